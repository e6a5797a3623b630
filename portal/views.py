from django.db.models import prefetch_related_objects
from django.shortcuts import render

from members.selectors import history_prefetches

from .decorators import portal_view


@portal_view
def home(request):
    member = request.member
    # R2.6: the member's own status history, with people named as the
    # member portal names them (no admin email addresses).
    prefetch_related_objects(
        [member], *history_prefetches(organization=request.organization, names=True)
    )
    return render(request, "portal/home.html", {"member": member})
