from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from members.policy import policy_for
from members.selectors import member_for_user
from organizations.locale import zone_of


def portal_view(view):
    """Member portal pages: the logged-in user's member record in the URL's
    organization, with portal access. Sets ``request.member``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.member = member_for_user(user=request.user, organization=request.organization)
        if request.member is None or not request.member.can_use_portal:
            raise Http404("No member portal access in this organization.")
        # The member portal is about one location, the member's: its times
        # are in that location's zone (config/locale.py resets it after).
        timezone.activate(zone_of(request.organization, request.member.location))
        return view(request, *args, **kwargs)

    return wrapper


def team_view(view):
    """My team pages (R2.2): a portal view whose person may manage their
    company's team. Sets ``request.team_company`` and ``request.team_policy``;
    anyone else gets the policy's refusal (403), forged requests included."""

    @portal_view
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        policy = policy_for(request)
        company = request.member.company
        refusal = policy.team_refusal(company)
        if refusal:
            return render(request, "portal/team_refused.html", {"refusal": refusal}, status=403)
        request.team_policy, request.team_company = policy, company
        return view(request, *args, **kwargs)

    return wrapper
