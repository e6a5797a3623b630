"""Whether a login may get in at all (R4.6).

A user's access lives on the member records and admin roles it holds in each
organization, not on the User: one login may be a member in one organization
and deactivated in another. So the question "may this person log in?" is
answered here, from those rows, and asked by the allauth adapter before every
login (password, emailed code, invitation link) rather than by flipping
``User.is_active``, which support reserves for switching a login off
everywhere and which would have to be recomputed on every change of access.
"""

from django.db.models import Q

from members.models import Member, MemberStatus, PortalAccess
from organizations.models import OrganizationAdmin


def has_usable_access(user) -> bool:
    """True when ``user`` can use at least one portal somewhere.

    A pending invitation counts: a person whose 24-hour link has run out
    logs in with a password or an emailed code, and that login accepts it.
    """
    if not user.is_active:
        return False
    if user.is_staff:
        return True
    # A suspended admin role (deactivated or removed here) opens nothing.
    if OrganizationAdmin.objects.active().filter(user=user).exists():
        return True
    members = Member.objects.filter(status=MemberStatus.ACTIVE)
    if members.filter(user=user, portal_access=PortalAccess.ACTIVE).exists():
        return True
    invited = Q(user__isnull=True, email__iexact=user.email) | Q(user=user)
    return members.filter(invited, portal_access=PortalAccess.PENDING).exists()
