"""An organization's admins (R1.2): inviting one, changing what they may do
at each location, suspending, restoring and removing their role.

Who may do which is ``organizations.permissions.admin_change_refusal``, the
one rule; every action here asks it with the grants it is about to give or
take away, so a forged request is refused like a shown button would be.

An admin is invited as a member record is (members/actions/invitations.py):
the role belongs to the login that stands for the invited address, tied to
the record by ``invited_member`` until the person accepts with that very
login; a record that already has a login hands the role to it. Identity is
never taken from an address alone.
"""

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from guardian.shortcuts import assign_perm, remove_perm

from accounts.emails import normalized
from audit import log
from audit.models import Verb, Via
from members.actions.invitations import ensure_user, member_invite
from members.actions.records import member_create
from members.login_access import end_sessions_if_no_access_left
from members.models import Member
from members.policy import members_with_email
from organizations.models import Location, Organization, OrganizationAdmin
from organizations.permissions import MANAGE_ADMINS, Grant, admin_change_refusal, role_grants


def grants_json(grants: set[Grant]) -> dict[str, list[str]]:
    """Grants as the audit entry keeps them: location id → permission codenames."""
    by_location: dict[str, list[str]] = {}
    for perm, location_id in sorted(grants, key=lambda g: (g[1], g[0])):
        by_location.setdefault(str(location_id), []).append(perm.split(".")[1])
    return by_location


def _locations(organization_id: int, location_ids) -> dict[int, Location]:
    """The organization's locations with these ids; any other id is a forged one."""
    location_ids = set(location_ids)
    found = {
        location.pk: location
        for location in Location.objects.filter(
            organization_id=organization_id, pk__in=location_ids
        )
    }
    if set(found) != location_ids:
        raise PermissionDenied(gettext("That location belongs to another organization."))
    return found


def _apply(role: OrganizationAdmin, added: set[Grant], removed: set[Grant], locations) -> None:
    for perm, location_id in sorted(added):
        assign_perm(perm, role.user, locations[location_id])
    for perm, location_id in sorted(removed):
        remove_perm(perm, role.user, locations[location_id])


def _lock(role: OrganizationAdmin) -> OrganizationAdmin:
    return (
        OrganizationAdmin.objects.select_for_update(of=("self",))
        .select_related("organization", "user")
        .get(pk=role.pk)
    )


@transaction.atomic
def admin_invite(
    *,
    organization: Organization,
    actor,
    location: Location,
    first_name: str,
    email: str,
    last_name: str = "",
    grants: set[Grant] = frozenset(),
    is_owner: bool = False,
    via: str = Via.ADMIN,
) -> OrganizationAdmin:
    """Make someone an admin with ``grants``: a new member record at
    ``location`` invited to the portal, or the existing record with that
    address here (its login, if it has one, gets the role at once)."""
    email = normalized(email)
    if not email:
        raise ValidationError({"email": gettext("An invitation needs an email address.")})
    member = members_with_email(organization.pk, email).select_for_update().first()
    # The record's location: a new one's, or where the existing one is.
    home = location.pk if member is None else member.location_id
    locations = _locations(organization.pk, {pk for _, pk in grants} | {location.pk, home})
    if member is None:
        user = ensure_user(email)
    else:
        user = member.user if member.user_id is not None else ensure_user(email)
    taken = OrganizationAdmin.objects.filter(organization=organization, user=user)
    if member is not None:
        taken = taken | OrganizationAdmin.objects.filter(invited_member=member)
    if taken.exists():
        raise ValidationError(
            {"email": gettext("%(email)s is already an admin here.") % {"email": email}}
        )
    role = OrganizationAdmin(organization=organization, user=user, is_owner=False)
    refusal = admin_change_refusal(
        actor=actor, role=role, before=set(), after=set(grants), owner_after=is_owner
    )
    # Inviting creates or invites a member record at ``home``: only an admin
    # who could grant "manage admins" there may.
    refusal = refusal or admin_change_refusal(
        actor=actor, role=role, before=set(), after={(MANAGE_ADMINS, home)}
    )
    if refusal:
        raise PermissionDenied(refusal)
    if member is None:
        member = member_create(
            organization=organization,
            location=locations[location.pk],
            first_name=first_name,
            last_name=last_name,
            email=email,
            actor=actor,
            via=via,
        )
    role.invited_member = member
    role.is_owner = is_owner
    role.save()
    _apply(role, set(grants), set(), locations)
    log.record(
        verb=Verb.ADMIN_PERMISSIONS_CHANGED,
        via=via,
        actor=actor,
        subject=role,
        member=member,
        after={"is_owner": is_owner, "grants": grants_json(set(grants))},
    )
    if not member.can_use_portal:
        # Raises, undoing all of it, for a record that cannot be invited
        # (not active, deactivated): the admin is told why at the form.
        member_invite(member=member, actor=actor, via=via)
    return role


def _member_of(role: OrganizationAdmin) -> Member | None:
    """The member record behind the role, for the person's history."""
    records = Member.objects.filter(organization_id=role.organization_id)
    found = records.filter(user_id=role.user_id).first()
    if found is None and role.invited_member_id is not None:
        found = records.filter(pk=role.invited_member_id).first()
    return found


@transaction.atomic
def admin_set_permissions(
    *,
    role: OrganizationAdmin,
    actor,
    locations,
    grants: set[Grant],
    is_owner: bool | None = None,
    via: str = Via.ADMIN,
) -> bool:
    """Set what ``role`` holds at ``locations`` to ``grants`` (its grants
    elsewhere stay), and make it an owner or not (``is_owner``; None leaves
    it). Returns whether anything changed."""
    role = _lock(role)
    locations = _locations(role.organization_id, {location.pk for location in locations})
    if any(pk not in locations for _, pk in grants):
        raise PermissionDenied(gettext("A permission was given at a location not on the form."))
    before = {grant for grant in role_grants(role) if grant[1] in locations}
    after = set(grants)
    owner_after = role.is_owner if is_owner is None else is_owner
    if before == after and owner_after == role.is_owner:
        return False
    refusal = admin_change_refusal(
        actor=actor, role=role, before=before, after=after, owner_after=owner_after
    )
    if refusal:
        raise PermissionDenied(refusal)
    was_owner = role.is_owner
    if owner_after != was_owner:
        role.is_owner = owner_after
        role.save(update_fields=["is_owner", "updated_at"])
    _apply(role, after - before, before - after, locations)
    log.record(
        verb=Verb.ADMIN_PERMISSIONS_CHANGED,
        via=via,
        actor=actor,
        subject=role,
        member=_member_of(role),
        before={"is_owner": was_owner, "grants": grants_json(before)},
        after={"is_owner": owner_after, "grants": grants_json(after)},
    )
    return True


def _taking_away_refusal(role: OrganizationAdmin, actor) -> str | None:
    # Taking the role away takes every grant it holds: the actor must be
    # able to take each of them.
    return admin_change_refusal(
        actor=actor, role=role, before=role_grants(role), after=set(), taking_away=True
    )


@transaction.atomic
def admin_suspend(*, role: OrganizationAdmin, actor, via: str = Via.ADMIN) -> OrganizationAdmin:
    """Close the admin portal to ``role``'s person, keeping what it holds for
    a restore. Their sessions end if nothing else is left to them."""
    role = _lock(role)
    if role.suspended_at is not None:
        raise ValidationError(gettext("This admin role is already suspended."))
    refusal = _taking_away_refusal(role, actor)
    if refusal:
        raise PermissionDenied(refusal)
    role.suspended_at = timezone.now()
    role.save(update_fields=["suspended_at", "updated_at"])
    log.record(
        verb=Verb.ADMIN_SUSPENDED,
        via=via,
        actor=actor,
        subject=role,
        member=_member_of(role),
        before={"suspended": False},
        after={"suspended": True},
    )
    transaction.on_commit(partial(end_sessions_if_no_access_left, role.user_id))
    return role


@transaction.atomic
def admin_restore(*, role: OrganizationAdmin, actor, via: str = Via.ADMIN) -> OrganizationAdmin:
    """Give a suspended role back as it was. Giving back is granting: the
    same rule as taking away."""
    role = _lock(role)
    if role.suspended_at is None:
        raise ValidationError(gettext("This admin role is not suspended."))
    refusal = _taking_away_refusal(role, actor)
    if refusal:
        raise PermissionDenied(refusal)
    role.suspended_at = None
    role.save(update_fields=["suspended_at", "updated_at"])
    log.record(
        verb=Verb.ADMIN_PERMISSIONS_CHANGED,
        via=via,
        actor=actor,
        subject=role,
        member=_member_of(role),
        before={"suspended": True},
        after={"suspended": False},
    )
    return role


@transaction.atomic
def admin_remove(*, role: OrganizationAdmin, actor, via: str = Via.ADMIN) -> None:
    """Take the admin role away for good, with its grants here. The person's
    member record, if any, stays as it is."""
    role = _lock(role)
    refusal = _taking_away_refusal(role, actor)
    if refusal:
        raise PermissionDenied(refusal)
    grants = role_grants(role)
    log.record(
        verb=Verb.ADMIN_REMOVED,
        via=via,
        actor=actor,
        subject=role,
        member=_member_of(role),
        before={"is_owner": role.is_owner, "grants": grants_json(grants)},
        after={"removed": True},
    )
    locations = _locations(role.organization_id, {pk for _, pk in grants})
    _apply(role, set(), grants, locations)
    user_id = role.user_id
    role.delete()
    transaction.on_commit(partial(end_sessions_if_no_access_left, user_id))
