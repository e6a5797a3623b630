"""What the admin portal's pages share: finding a member, leading back to
it; which requests to join and notifications an admin sees."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from members.models import JoinRequest, Member
from members.selectors import members_for_admin
from notifications.models import Notification
from organizations.permissions import admin_locations
from tenancy.scoping import scoped

PAGE_SIZE = 50


def _member(request, pk) -> Member:
    """A member at one of the admin's locations; anything else is a 404."""
    return get_object_or_404(
        members_for_admin(user=request.user, organization=request.organization), pk=pk
    )


def _to_member(request, member):
    return redirect("adminportal:member", org_slug=request.organization.slug, pk=member.pk)


def _error_text(invalid) -> str:
    return " ".join(invalid.messages) if isinstance(invalid, ValidationError) else str(invalid)


def join_requests_for(request):
    """Requests to join the locations this admin manages."""
    return scoped(JoinRequest, request.organization).filter(
        location__in=admin_locations(request.user, request.organization)
    )


def notifications_for(request):
    """The notices addressed to this admin in this organization."""
    return Notification.objects.filter(recipient=request.user, organization=request.organization)


def forbidden(request, reason: str, back_url: str = ""):
    """The admin is in the right organization but lacks the permission: a
    403 that says which one (the object is theirs to know about)."""
    return render(
        request,
        "adminportal/forbidden.html",
        {"reason": reason, "back_url": back_url},
        status=403,
    )
