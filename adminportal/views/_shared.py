"""What the admin portal's pages share: finding a member, leading back to it."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect

from members.models import Member
from members.selectors import members_for_admin

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
