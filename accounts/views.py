from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from members.models import Member
from organizations.models import OrganizationAdmin


@login_required
def home(request):
    """Send a logged-in person to where they work: the admin portal of an
    organization they administer, else the member portal."""
    role = (
        OrganizationAdmin.objects.active()
        .filter(user=request.user)
        .select_related("organization")
        .order_by("organization__name")
        .first()
    )
    if role:
        return redirect("adminportal:home", org_slug=role.organization.slug)
    for member in Member.objects.filter(user=request.user).select_related("organization"):
        if member.can_use_portal:
            return redirect("portal:home", org_slug=member.organization.slug)
    return render(request, "accounts/no_access.html", status=403)
