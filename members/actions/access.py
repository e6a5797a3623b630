"""Portal access and where a member belongs (R4.6, R4.7).

Deactivate/activate change portal access only; remove, transfer and the
automatic Former change where a member stands. Status changes always go
through ``member_change_status`` (history and integrations).
"""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log
from audit.models import Verb, Via
from companies.models import ContactLocation
from companies.policy import new_member_refusal
from members.actions.records import ARCHIVED_LOCATION
from members.actions.roles import company_set_roles
from members.actions.status import member_change_status
from members.admin_roles import admin_role_of, admin_role_refusal
from members.login_access import end_sessions_if_no_access_left
from members.models import (
    Invitation,
    LocationTransfer,
    Member,
    Membership,
    MemberStatus,
    PortalAccess,
)
from members.policy import read_only_refusal
from members.seats import claim_seats, record_seat_override
from organizations.models import Location, OrganizationAdmin


def _revoke_links(member: Member) -> None:
    Invitation.objects.filter(member=member, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _suspend_admin_role(member: Member, actor) -> None:
    """The person's admin portal closes with their member access (R4.6):
    the role is kept, suspended, so activating gives it back as it was."""
    role = admin_role_of(member)
    if role is None or role.suspended_at is not None:
        return
    refusal = admin_role_refusal(actor=actor, member=member, role=role)
    if refusal:
        raise ValidationError(refusal)
    OrganizationAdmin.objects.filter(pk=role.pk).update(suspended_at=timezone.now())
    log.record(
        verb=Verb.ADMIN_SUSPENDED,
        via=Via.ADMIN,
        actor=actor,
        subject=role,
        member=member,
        before={"suspended": False},
        after={"suspended": True},
    )
    transaction.on_commit(partial(end_sessions_if_no_access_left, role.user_id))


def _restore_admin_role(member: Member, actor) -> None:
    role = admin_role_of(member)
    if role is None or role.suspended_at is None:
        return
    refusal = admin_role_refusal(actor=actor, member=member, role=role)
    if refusal:
        raise ValidationError(refusal)
    OrganizationAdmin.objects.filter(pk=role.pk).update(suspended_at=None)
    log.record(
        verb=Verb.ADMIN_PERMISSIONS_CHANGED,
        via=Via.ADMIN,
        actor=actor,
        subject=role,
        member=member,
        before={"suspended": True},
        after={"suspended": False},
    )


def _record_access(member: Member, actor, before: str, via: str = Via.ADMIN) -> None:
    log.record(
        verb=Verb.MEMBER_PORTAL_ACCESS_CHANGED,
        via=via,
        actor=actor,
        subject=member,
        before={"portal_access": before},
        after={"portal_access": member.portal_access, "company_id": member.company_id},
    )


@transaction.atomic
def member_deactivate_access(*, member: Member, actor=None) -> Member:
    """Shut the member portal to this person (R4.6): sessions end, links die,
    and the login refuses them unless they have access somewhere else. An
    admin role they hold in this organization is suspended with it."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.portal_access not in (PortalAccess.ACTIVE, PortalAccess.PENDING):
        raise ValidationError(
            _(
                "Only active or pending access can be deactivated; "
                "%(full_name)s's is %(portal_access)s."
            )
            % {
                "full_name": member.full_name,
                "portal_access": member.get_portal_access_display().lower(),
            }
        )
    _suspend_admin_role(member, actor)
    before = member.portal_access
    member.portal_access = PortalAccess.DEACTIVATED
    member.save(update_fields=["portal_access", "updated_at"])
    _revoke_links(member)
    # A deactivated contact person stops managing the team (R2.5).
    _record_access(member, actor, before)
    if member.user_id is not None:
        transaction.on_commit(partial(end_sessions_if_no_access_left, member.user_id))
    return member


@transaction.atomic
def member_activate_access(*, member: Member, actor=None) -> Member:
    """Give back what deactivation took: access if a login is linked, else
    nothing (the admin invites again)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.portal_access != PortalAccess.DEACTIVATED:
        raise ValidationError(
            _("%(full_name)s's portal access is not deactivated.") % {"full_name": member.full_name}
        )
    _restore_admin_role(member, actor)
    before = member.portal_access
    member.portal_access = PortalAccess.ACTIVE if member.user_id else PortalAccess.NONE
    member.save(update_fields=["portal_access", "updated_at"])
    # ...and gets team management back with their access.
    _record_access(member, actor, before)
    return member


@transaction.atomic
def member_remove_from_location(
    *, member: Member, actor=None, reason: str = "", via: str = Via.ADMIN
) -> Member:
    """Remove a member from their location (R4.7): status Former (recorded),
    portal access ends, unused links die. The record, billing and
    memberships stay.

    Removed by an admin, the person's admin role here is suspended too. The
    automatic Former (``via=SYSTEM``) leaves it: a membership that ended
    says nothing about whether someone still works at the space.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    if via != Via.SYSTEM:
        _suspend_admin_role(member, actor)
    member_change_status(
        member=member,
        status=MemberStatus.FORMER,
        actor=actor,
        via=via,
        reason=reason or f"Removed from {member.location.name}",
    )
    had_access = member.portal_access != PortalAccess.NONE
    before = member.portal_access
    member.portal_access = PortalAccess.NONE
    member.save(update_fields=["portal_access", "updated_at"])
    _revoke_links(member)
    log.record(
        verb=Verb.MEMBER_LEFT_LOCATION,
        via=via,
        actor=actor,
        subject=member,
        before={"portal_access": before, "location_id": member.location_id},
        after={"portal_access": member.portal_access},
        reason=reason,
    )
    if had_access and member.user_id is not None:
        transaction.on_commit(partial(end_sessions_if_no_access_left, member.user_id))
    return member


@transaction.atomic
def member_transfer(
    *, member: Member, to_location: Location, actor=None, over_seat_cap: bool = False
) -> LocationTransfer:
    """Move a member's home to another location of the organization (R4.7).

    A member of a company is at one of its locations, so a member whose
    company is not a customer at the new location leaves it (and any role
    and location link in it): the transfer records which. An archived
    company is left too. An Active member who stays in their company takes
    one of its seats at the new location (issue 14): beyond its cap there
    the move is refused unless the admin confirmed going over it.
    """
    member = (
        Member.objects.select_for_update(of=("self",))
        .select_related("company", "location")
        .get(pk=member.pk)
    )
    refusal = read_only_refusal(member)
    if refusal:
        # The view checks too; this holds for every caller.
        raise ValidationError(refusal)
    if to_location.organization_id != member.organization_id:
        raise ValidationError({"to_location": _("That location belongs to another organization.")})
    if to_location.pk == member.location_id:
        raise ValidationError(
            {
                "to_location": _("%(full_name)s is already at %(to_location)s.")
                % {"full_name": member.full_name, "to_location": to_location}
            }
        )
    if to_location.is_archived:
        raise ValidationError({"to_location": ARCHIVED_LOCATION % {"name": to_location.name}})
    company = member.company
    cleared = ""
    if company is not None and new_member_refusal(company, to_location) is not None:
        cleared = company.name
        ContactLocation.objects.filter(member=member).delete()
        if member.pk in (company.contact_person_id, company.billing_person_id):
            company_set_roles(
                company=company,
                contact_person=None
                if company.contact_person_id == member.pk
                else company.contact_person,
                billing_person=None
                if company.billing_person_id == member.pk
                else company.billing_person,
                actor=actor,
            )
        member.company = None
        member.is_manager = False
    overridden = None
    if member.company_id is not None and member.status == MemberStatus.ACTIVE:
        overridden = claim_seats(
            company=member.company_id, location=to_location, via=Via.ADMIN, override=over_seat_cap
        )
    transfer = LocationTransfer.objects.create(
        organization_id=member.organization_id,
        member=member,
        from_location=member.location,
        to_location=to_location,
        company_cleared=cleared,
        actor=actor,
    )
    before = {"location_id": member.location_id, "company_id": getattr(company, "pk", None)}
    member.location = to_location
    member.save(update_fields=["location", "company", "is_manager", "updated_at"])
    # A company left behind loses their role's team access; the systems
    # hear of the new location (audit reactions).
    log.record(
        verb=Verb.MEMBER_TRANSFERRED,
        via=Via.ADMIN,
        actor=actor,
        subject=member,
        before=before,
        after={"location_id": to_location.pk, "company_id": member.company_id},
    )
    if overridden is not None:
        record_seat_override(overridden, actor=actor, via=Via.ADMIN, subject=member)
    return transfer


def members_whose_membership_ended(*, today=None):
    """Active members with at least one membership, none running or still to
    come, in organizations that asked for the automatic Former (R4.7)."""
    today = today or timezone.localdate()
    memberships = Membership.objects.filter(member=OuterRef("pk"))
    current_or_future = memberships.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    return Member.objects.filter(
        status=MemberStatus.ACTIVE, organization__auto_former_on_membership_end=True
    ).filter(Exists(memberships), ~Exists(current_or_future))


def members_auto_former(*, today=None) -> int:
    """Set members to Former when their membership ended; returns how many.

    Through the same removal action as an admin's Remove, so portal access
    and unused links end the same way (R4.7)."""
    changed = 0
    for member in members_whose_membership_ended(today=today).iterator():
        member_remove_from_location(
            member=member, actor=None, via=Via.SYSTEM, reason=_("Membership ended")
        )
        changed += 1
    return changed
