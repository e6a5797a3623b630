from django.shortcuts import render

from .decorators import portal_view


@portal_view
def home(request):
    return render(request, "portal/home.html", {"member": request.member})
