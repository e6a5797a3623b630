"""The admin role behind a member record, and who may take it away (R4.6).

A person may be both a member of an organization and one of its admins.
Whatever closes their member access (deactivate, remove) or changes their
status may only be done by someone who could also take their admin role
away (issue 10, item 3): an owner, or an admin holding everything they
hold; and nobody does it to themselves.
"""

from django.utils.translation import gettext as _

from members.models import Member
from organizations.models import OrganizationAdmin
from organizations.permissions import ADMIN_PERMISSIONS, admin_role, role_locations


def admin_role_of(member: Member) -> OrganizationAdmin | None:
    """The admin role in the member's organization of the person behind the
    record: held by its linked login, or (invited as an admin, not accepted
    yet) invited along with this very record. Never by email alone: a
    record that merely carries an admin's address is not that admin, and
    deactivating it must not shut them out."""
    roles = OrganizationAdmin.objects.select_related("user").filter(
        organization_id=member.organization_id
    )
    if member.user_id is not None:
        return roles.filter(user_id=member.user_id).first()
    return roles.filter(invited_member_id=member.pk).first()


def admin_role_refusal(*, actor, member: Member, role: OrganizationAdmin | None) -> str | None:
    """Why ``actor`` may not suspend or restore ``role`` along with the
    member record, or change that record's status (None: they may). Taking
    admin access away is like granting it: only an admin who holds
    everything the role holds may (owners hold everything), and nobody
    shuts themselves out."""
    if role is None or actor is None:
        return None
    if role.user_id == actor.pk:
        return _(
            "This is your own record: another admin must deactivate or remove you, or "
            "change your status."
        )
    actor_role = admin_role(actor, member.organization)
    if actor_role is not None and actor_role.is_owner:
        return None
    if role.is_owner:
        return _(
            "%(full_name)s is an owner of %(organization)s: only an owner can change their access."
        ) % {"full_name": member.full_name, "organization": member.organization.name}
    for perm in ADMIN_PERMISSIONS:
        if (
            actor_role is None
            or role_locations(role, perm).exclude(pk__in=role_locations(actor_role, perm)).exists()
        ):
            return _(
                "%(full_name)s is also an administrator, with permissions you do not "
                "hold: an owner, or an admin who holds them, can change their access."
            ) % {"full_name": member.full_name}
    return None


def admin_role_suspended(member: Member) -> bool:
    """Whether the person behind ``member`` holds a suspended admin role here."""
    role = admin_role_of(member)
    return role is not None and role.suspended_at is not None
