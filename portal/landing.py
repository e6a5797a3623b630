from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django_scopes import scopes_disabled

from members.models import Member
from members.selectors import invitations_waiting_for
from organizations.models import OrganizationAdmin

#: Set when the person chose "Not now" on the invitations page: this
#: session lands in their portal; the next login shows the page again.
LATER = "invitations_later"


@login_required
def home(request):
    """Send a logged-in person to where they work: the invitations waiting
    for them first (they accept each one themselves), then the admin portal
    of an organization they administer, else the member portal."""
    if request.GET.get("later"):
        request.session[LATER] = True
    elif not request.session.get(LATER) and invitations_waiting_for(request.user).exists():
        return redirect("invitations_waiting")
    # The person's roles and records in every organization: this page is
    # outside any one, and chooses which to open.
    with scopes_disabled():
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
