"""Every state change of a member happens here, in one action each.

Actions are keyword-only, run in one transaction, record their history row
in it, and schedule side effects with ``transaction.on_commit``. Views,
Django admin, Celery tasks and tests all call these; nothing else writes
members.
"""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.sessions import end_sessions_if_no_access_left
from companies.models import Company
from companies.team_access import sync_team_access
from integrations.outbox import MemberEvent, record_member_event
from organizations.models import Location, Organization

from .admin_roles import admin_role_of, admin_role_refusal
from .models import Member, MemberStatus, PortalAccess, StatusChange, Via


def _check_same_organization(organization: Organization, *objects) -> None:
    # The database says the same on PostgreSQL (composite foreign keys); this
    # gives a readable message first, and is the guard on SQLite.
    for obj in objects:
        if obj is not None and obj.organization_id != organization.pk:
            raise ValidationError(f"{obj} belongs to another organization.")


@transaction.atomic
def member_create(
    *,
    organization: Organization,
    location: Location,
    first_name: str,
    last_name: str = "",
    email: str = "",
    phone: str = "",
    company: Company | None = None,
    is_manager: bool = False,
    status: str = MemberStatus.ACTIVE,
    actor=None,
    via: str = Via.ADMIN,
) -> Member:
    _check_same_organization(organization, location, company)
    email = email.strip().lower()
    if email and Member.objects.filter(organization=organization, email__iexact=email).exists():
        raise ValidationError({"email": "A member with this email already exists."})
    member = Member.objects.create(
        organization=organization,
        location=location,
        company=company,
        is_manager=is_manager and company is not None,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        phone=phone.strip(),
        status=status,
        portal_access=PortalAccess.NONE,
        added_by=actor,
        added_via=via,
    )
    record_member_event(member=member, event=MemberEvent.CREATED)
    return member


@transaction.atomic
def member_change_status(
    *, member: Member, status: str, actor=None, via: str, reason: str = ""
) -> StatusChange | None:
    """Move ``member`` to ``status`` and record it (R2.6).

    Returns the StatusChange, or None when the member already had that status.
    Who may call this with which member is decided by the callers' policy
    (members/policy.py), except for the one rule every caller shares: the
    record of an owner or admin of the organization is changed only by
    someone who could take their admin role away (members/admin_roles.py).
    The automatic changes (``via=SYSTEM``) are not bound by it.
    """
    if status not in MemberStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if locked.status == status:
        member.status = status
        return None
    if via != Via.SYSTEM:
        # The record of an owner or admin here: the same rule as taking
        # their admin role away (issue 10). The status itself never
        # touches that role: the admin portal stays theirs.
        refusal = admin_role_refusal(actor=actor, member=locked, role=admin_role_of(locked))
        if refusal:
            raise ValidationError(refusal)
    member.status = status
    previous = locked.status
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    change = StatusChange.objects.create(
        organization_id=locked.organization_id,
        member=locked,
        from_status=previous,
        to_status=status,
        actor=actor,
        via=via,
        reason=reason,
    )
    record_member_event(member=locked, event=MemberEvent.STATUS_CHANGED, previous_status=previous)
    if locked.company_id is not None and locked.user_id is not None:
        # A contact/billing person or manager who stops being active stops
        # managing the team (R2.5); one who comes back gets it back.
        sync_team_access(locked.company_id)
    if previous == MemberStatus.ACTIVE and locked.user_id is not None:
        # Leaving Active closes this member portal (R2.7) at the next
        # request; the person is logged out only if nothing else is left to
        # them (issue 10), once the change is committed.
        transaction.on_commit(partial(end_sessions_if_no_access_left, locked.user_id))
    return change


@transaction.atomic
def member_link_user(*, member: Member, user) -> Member:
    """Link a login to this member record and open the member portal to it."""
    if (
        Member.objects.filter(organization_id=member.organization_id, user=user)
        .exclude(pk=member.pk)
        .exists()
    ):
        raise ValidationError("This login is already linked to another member here.")
    member.user = user
    member.portal_access = PortalAccess.ACTIVE
    member.save(update_fields=["user", "portal_access", "updated_at"])
    if member.company_id is not None:
        # A contact person who gets a login may now manage the team (R2.5).
        sync_team_access(member.company_id)
    return member


@transaction.atomic
def member_edited(*, member: Member, previous_company_id: int | None = None) -> None:
    """Support edited the record directly (Django admin): tell the connected
    systems (R3.2) and let team grants follow a changed company, login or
    role (R2.5), as the actions do for their own changes."""
    record_member_event(member=member, event=MemberEvent.UPDATED)
    for company_id in {previous_company_id, member.company_id} - {None}:
        sync_team_access(company_id)


@transaction.atomic
def member_delete(*, member: Member) -> None:
    """Delete the record. The connected systems are told first (the event
    keeps a snapshot), so door and printing access go with it (R3.3)."""
    company_id = member.company_id
    record_member_event(member=member, event=MemberEvent.REMOVED)
    member.delete()
    if company_id is not None:
        # Roles pointing at it are cleared (SET_NULL); so is their grant.
        sync_team_access(company_id)
