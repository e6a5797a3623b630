"""Who may see a member's photo, and where it is served (R5.1, R5.2).

Photos are personal data: they are never served from a public /media/ URL
(MEDIA_ROOT is not exposed at all) but through ``portal.views.photos``, which
asks ``photo_viewer_refusal`` on every request.
"""

import hashlib

from django.urls import reverse

from .models import Member, MemberStatus
from .selectors import members_for_admin


def photo_url(member: Member, organization_slug: str | None = None) -> str:
    """The login-checked address of ``member``'s photo, or "" without one.

    The version parameter changes with the file, so browsers may cache a
    photo privately and still see a new one at once.
    """
    if not member.photo:
        return ""
    slug = organization_slug or member.organization.slug
    version = hashlib.sha256(member.photo.name.encode()).hexdigest()[:12]
    return reverse("member_photo", args=[slug, member.pk]) + f"?v={version}"


def teammate_sees_photo(viewer: Member | None, member: Member) -> bool:
    """Whether ``viewer``, a member, sees ``member``'s photo as a teammate:
    both in the same company, the viewer in the portal, ``member`` Active
    (a Contact or Former teammate's photo is not shown). The one rule for
    the pages that show photos (members/privacy.py) and for serving them."""
    return (
        viewer is not None
        and viewer.can_use_portal
        and viewer.organization_id == member.organization_id
        and member.company_id is not None
        and viewer.company_id == member.company_id
        and member.status == MemberStatus.ACTIVE
    )


def may_see_photo(*, user, member: Member, viewer: Member | None = None) -> bool:
    """The person themself, an admin of the member's location, and teammates
    (active members of the same company with portal access) see it."""
    if not user.is_authenticated or not user.is_active:
        return False
    if member.user_id is not None and member.user_id == user.pk:
        return True
    if viewer is None:
        viewer = Member.objects.filter(organization_id=member.organization_id, user=user).first()
    if teammate_sees_photo(viewer, member):
        return True
    return (
        members_for_admin(user=user, organization=member.organization).filter(pk=member.pk).exists()
    )
