"""Whether a login may get in at all (R4.6).

A user's access lives on the member records and admin roles it holds in each
organization, not on the User: one login may be a member in one organization
and deactivated in another. So the question "may this person log in?" is
answered here, from those rows, and asked by the allauth adapter before every
login (password, emailed code, invitation link) rather than by flipping
``User.is_active``, which support reserves for switching a login off
everywhere and which would have to be recomputed on every change of access.
"""

from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from accounts.models import User
from accounts.sessions import end_sessions
from members.models import Member, MemberStatus, PortalAccess
from members.selectors import invitations_addressed_to
from organizations.models import OrganizationAdmin


def has_usable_access(user) -> bool:
    """True when ``user`` can use at least one portal somewhere.

    A pending invitation counts when it is addressed to this login: its
    record is linked to it (invited back after a removal), or it was sent
    to an address this login has proven. The person then accepts it
    themselves after logging in. An address the login merely carries
    counts for nothing (issue 10).
    """
    if not user.is_active:
        return False
    if user.is_staff:
        return True
    # Every organization's rows, even when asked from inside one (an admin
    # closing this organization's portal to the person).
    with scopes_disabled():
        # A suspended admin role (deactivated or removed here) opens nothing.
        if OrganizationAdmin.objects.active().filter(user=user).exists():
            return True
        members = Member.objects.filter(status=MemberStatus.ACTIVE)
        if members.filter(user=user, portal_access=PortalAccess.ACTIVE).exists():
            return True
        return invitations_addressed_to(user).exists()


def end_sessions_if_no_access_left(user_id) -> int:
    """End ``user_id``'s sessions when the login has no usable access left
    anywhere (``has_usable_access``); else leave them to the portals'
    per-request checks. Run after the change is committed."""
    user = User.objects.filter(pk=user_id).first()
    if user is not None and has_usable_access(user):
        return 0
    return end_sessions(user_id)


def sessions_note(user) -> str:
    """What an admin is told about the person's sessions after closing a
    portal to them (``end_sessions_if_no_access_left`` has run)."""
    if user is None:
        return ""
    if has_usable_access(user):
        return _(
            " They keep their login for the access they hold elsewhere; this portal is "
            "closed to them at once."
        )
    return _(" Their member portal sessions have ended.")
