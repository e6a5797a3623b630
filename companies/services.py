"""Actions that change companies: their creation, who holds which role, and
the team management their contact persons do from the member portal (R2)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from adminportal.models import Notification
from adminportal.notifications import notify_location_admins
from members.invitations import member_invite
from members.models import Member, MemberStatus, PortalAccess, StatusChange, Via
from members.policy import TeamPolicy, new_member_email_refusal, read_only_refusal
from members.services import member_change_status, member_create
from organizations.models import Location, Organization
from organizations.scoping import scoped

from .models import Company
from .team_access import sync_team_access


@transaction.atomic
def company_create(
    *, organization: Organization, location: Location, name: str, email: str = ""
) -> Company:
    if location.organization_id != organization.pk:
        raise ValidationError({"location": "That location belongs to another organization."})
    return Company.objects.create(
        organization=organization, location=location, name=name.strip(), email=email
    )


def _check_in_company(company: Company, **members: Member | None) -> None:
    for field, member in members.items():
        if member is not None and member.company_id != company.pk:
            raise ValidationError({field: f"{member} is not a member of {company}."})


def _check_not_read_only(
    company: Company, contact_person: Member | None, billing_person: Member | None
) -> None:
    """A deactivated member's record is read-only (R4.6): they are given no
    role. Taking one away stays possible (a transfer of the other role
    holder, replacing them), since it changes the company, not them. One
    query, against the rows (a caller's copy may predate a deactivation)."""
    gaining = {}
    for field, member, held in (
        ("contact_person", contact_person, company.contact_person_id),
        ("billing_person", billing_person, company.billing_person_id),
    ):
        if member is not None and member.pk != held:
            gaining.setdefault(member.pk, field)
    if not gaining:
        return
    for member in Member.objects.filter(
        pk__in=gaining, portal_access=PortalAccess.DEACTIVATED
    ).only("first_name", "last_name", "portal_access")[:1]:
        raise ValidationError({gaining[member.pk]: read_only_refusal(member)})


def _save_roles(
    company: Company, contact_person: Member | None, billing_person: Member | None
) -> None:
    _check_in_company(company, contact_person=contact_person, billing_person=billing_person)
    _check_not_read_only(company, contact_person, billing_person)
    company.contact_person = contact_person
    company.billing_person = billing_person
    company.save(update_fields=["contact_person", "billing_person", "updated_at"])


@transaction.atomic
def company_set_roles(
    *,
    company: Company,
    contact_person: Member | None,
    billing_person: Member | None,
) -> Company:
    """Make these members the company's contact and billing person; whoever
    stops being one loses team management at once (R2.5)."""
    _save_roles(company, contact_person, billing_person)
    sync_team_access(company)
    return company


@transaction.atomic
def company_set_manager(*, company: Company, member: Member, is_manager: bool) -> Member:
    """Make ``member`` one of the company's managers, or stop them being one.
    Refused either way for a deactivated member, whose record is read-only
    (the same rule and message as ``company_update_roles``)."""
    _check_in_company(company, member=member)
    if member.is_manager != is_manager:
        # Taking the flag off a deactivated member changes their record too.
        refusal = read_only_refusal(Member.objects.only("portal_access").get(pk=member.pk))
        if refusal:
            raise ValidationError({"is_manager": refusal})
        member.is_manager = is_manager
        member.save(update_fields=["is_manager", "updated_at"])
        sync_team_access(company)
    return member


@transaction.atomic
def company_update_roles(
    *, company: Company, contact_person: Member | None, billing_person: Member | None, managers
) -> Company:
    """The admin portal's roles form: contact and billing person, and exactly
    these managers. Grants follow in the same transaction (R2.5).

    Two UPDATEs and one sync whatever the number of managers: the cost of
    saving the form does not grow with the team.
    """
    managers = list(managers)
    for member in managers:
        _check_in_company(company, managers=member)
    wanted = [member.pk for member in managers]
    team = Member.objects.filter(company=company)
    # The manager flag is on the member's record: a deactivated one is
    # read-only (R4.6) either way, as in company_set_manager.
    for member in (
        team.filter(portal_access=PortalAccess.DEACTIVATED)
        .filter(Q(pk__in=wanted, is_manager=False) | (Q(is_manager=True) & ~Q(pk__in=wanted)))
        .only("first_name", "last_name", "portal_access")[:1]
    ):
        raise ValidationError({"managers": read_only_refusal(member)})
    _save_roles(company, contact_person, billing_person)
    now = timezone.now()  # .update() does not touch auto_now fields
    team.filter(pk__in=wanted, is_manager=False).update(is_manager=True, updated_at=now)
    team.filter(is_manager=True).exclude(pk__in=wanted).update(is_manager=False, updated_at=now)
    sync_team_access(company)
    return company


def _role_of(member: Member | None, company: Company) -> str:
    if member is None:
        return "someone"
    if member.pk == company.contact_person_id:
        return "contact person"
    if member.pk == company.billing_person_id:
        return "billing person"
    if member.is_manager:
        return "manager"
    return "member"


def _actor_label(actor, company: Company) -> str:
    member = scoped(Member, company.organization_id).filter(user=actor).first()
    name = member.full_name if member else actor.email
    return f"{name} ({_role_of(member, company)} of {company.name})"


@transaction.atomic
def team_add_member(
    *,
    actor,
    company: Company,
    first_name: str,
    last_name: str = "",
    email: str = "",
    phone: str = "",
    status: str = MemberStatus.ACTIVE,
) -> Member:
    """A contact person adds a member to their company from the member portal."""
    refusal = TeamPolicy(user=actor, organization=company.organization).add_member_refusal(
        company, status
    )
    if refusal:
        raise PermissionDenied(refusal)
    refusal = new_member_email_refusal(status=status, email=email)
    if refusal:
        raise ValidationError({"email": refusal})
    member = member_create(
        organization=company.organization,
        location=company.location,
        company=company,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        status=status,
        actor=actor,
        via=Via.PORTAL,
    )
    if status == MemberStatus.ACTIVE:
        # R2.8: added as Active means invited to the portal; added as Contact
        # does not (an admin or the contact person invites later).
        member_invite(member=member, actor=actor, via=Via.PORTAL)
    notify_location_admins(
        location=company.location,
        kind=Notification.Kind.MEMBER_ADDED,
        message=(
            f"{_actor_label(actor, company)} added {member.full_name} "
            f"as {member.get_status_display()}."
        ),
        member=member,
        actor=actor,
    )
    return member


@transaction.atomic
def team_change_status(
    *, actor, member: Member, status: str, reason: str = ""
) -> StatusChange | None:
    """A contact person changes a teammate's status from the member portal.

    The policy is checked again here, whatever the view showed. Leaving
    Active is reported to the location's admins, who may revert it (R2.7).
    """
    # Decide on the row as it is now, locked: not on what the page read.
    member = Member.objects.select_for_update().get(pk=member.pk)
    refusal = TeamPolicy(user=actor, organization=member.organization).status_change_refusal(
        member, status
    )
    if refusal:
        raise PermissionDenied(refusal)
    change = member_change_status(
        member=member, status=status, actor=actor, via=Via.PORTAL, reason=reason.strip()
    )
    if change is not None and change.from_status == MemberStatus.ACTIVE:
        notify_location_admins(
            location=member.location,
            kind=Notification.Kind.STATUS_CHANGED,
            message=(
                f"{_actor_label(actor, member.company)} changed {member.full_name} from "
                f"{change.get_from_status_display()} to {change.get_to_status_display()}."
            ),
            member=member,
            actor=actor,
            status_change=change,
        )
    return change


@transaction.atomic
def team_invite_member(*, actor, member: Member) -> Member:
    """A contact person invites a teammate to the member portal, or sends a
    pending invitation again (R4.1, R4.3). The policy is checked here too."""
    refusal = TeamPolicy(user=actor, organization=member.organization).invite_refusal(member)
    if refusal:
        raise PermissionDenied(refusal)
    return member_invite(member=member, actor=actor, via=Via.PORTAL)
