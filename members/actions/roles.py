"""Who holds which role in a company: contact person, billing person,
managers (R2.5). Team access follows from the audit entry each action
writes (members/reactions.py)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log
from audit.models import Verb, Via
from companies.models import TEAM_ROLE_HOLDER, Company, ContactLocation
from companies.policy import location_ids_of
from companies.selectors import linked_location_ids
from members.models import Member, PortalAccess
from members.policy import read_only_refusal
from organizations.models import Location


def _check_in_company(company: Company, **members: Member | None) -> None:
    for field, member in members.items():
        if member is not None and member.company_id != company.pk:
            raise ValidationError(
                {
                    field: _("%(member)s is not a member of %(company)s.")
                    % {"member": member, "company": company}
                }
            )


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


def _roles(company: Company) -> dict:
    return {
        "contact_person_id": company.contact_person_id,
        "billing_person_id": company.billing_person_id,
    }


def _save_roles(
    company: Company, contact_person: Member | None, billing_person: Member | None
) -> None:
    _check_in_company(company, contact_person=contact_person, billing_person=billing_person)
    _check_not_read_only(company, contact_person, billing_person)
    company.contact_person = contact_person
    company.billing_person = billing_person
    company.save(update_fields=["contact_person", "billing_person", "updated_at"])
    _forget_links_of_former_holders(company)


def _forget_links_of_former_holders(company: Company) -> None:
    """Whoever holds no role any more keeps no location link: given a role
    again, they start linked to the whole company, as the admin sees it."""
    holders = Member.objects.filter(company=company).filter(TEAM_ROLE_HOLDER)
    ContactLocation.objects.filter(company=company).exclude(member__in=holders).delete()


@transaction.atomic
def company_set_roles(
    *,
    company: Company,
    contact_person: Member | None,
    billing_person: Member | None,
    actor=None,
    via: str = Via.ADMIN,
) -> Company:
    """Make these members the company's contact and billing person; whoever
    stops being one loses team management at once (R2.5)."""
    before = _roles(company)
    _save_roles(company, contact_person, billing_person)
    log.record(
        verb=Verb.COMPANY_ROLE_CHANGED,
        via=via,
        actor=actor,
        subject=company,
        before=before,
        after=_roles(company),
    )
    return company


@transaction.atomic
def company_set_manager(
    *, company: Company, member: Member, is_manager: bool, actor=None, via: str = Via.ADMIN
) -> Member:
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
        _forget_links_of_former_holders(company)
        log.record(
            verb=Verb.COMPANY_ROLE_CHANGED,
            via=via,
            actor=actor,
            subject=company,
            member=member,
            before={"is_manager": not is_manager},
            after={"is_manager": is_manager},
        )
    return member


@transaction.atomic
def company_update_roles(
    *,
    company: Company,
    contact_person: Member | None,
    billing_person: Member | None,
    managers,
    actor=None,
    via: str = Via.ADMIN,
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
    before = {
        **_roles(company),
        "manager_ids": sorted(team.filter(is_manager=True).values_list("pk", flat=True)),
    }
    _save_roles(company, contact_person, billing_person)
    now = timezone.now()  # .update() does not touch auto_now fields
    team.filter(pk__in=wanted, is_manager=False).update(is_manager=True, updated_at=now)
    team.filter(is_manager=True).exclude(pk__in=wanted).update(is_manager=False, updated_at=now)
    _forget_links_of_former_holders(company)
    log.record(
        verb=Verb.COMPANY_ROLE_CHANGED,
        via=via,
        actor=actor,
        subject=company,
        before=before,
        after={**_roles(company), "manager_ids": sorted(wanted)},
    )
    return company


@transaction.atomic
def contact_set_locations(
    *, company: Company, member: Member, locations, actor=None, via: str = Via.ADMIN
) -> Member:
    """Seed 004, "Link to Specific Properties": link a contact person,
    billing person or manager to these locations of the company (they see
    and manage the team there only), or with none to the whole company.

    Who may decide is the caller's rule (the admin portal: an admin of
    every location of the company; My team: ``TeamPolicy.link_refusal``)."""
    member = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
    _check_in_company(company, member=member)
    if not company.holds_team_role(member):
        raise ValidationError(
            {
                "member": _("%(member)s holds no role in %(company)s.")
                % {"member": member.full_name, "company": company.name}
            }
        )
    locations: list[Location] = list(dict.fromkeys(locations))
    places = location_ids_of(company)
    for location in locations:
        if location.pk not in places:
            raise ValidationError(
                {
                    "locations": _("%(company)s is not a customer at %(location)s.")
                    % {"company": company.name, "location": location.name}
                }
            )
    before = sorted(linked_location_ids(member_id=member.pk))
    wanted = sorted(location.pk for location in locations)
    if before == wanted:
        return member
    ContactLocation.objects.filter(member=member).exclude(location_id__in=wanted).delete()
    ContactLocation.objects.bulk_create(
        [
            ContactLocation(
                organization_id=company.organization_id,
                company=company,
                member=member,
                location_id=pk,
            )
            for pk in wanted
            if pk not in before
        ]
    )
    log.record(
        verb=Verb.CONTACT_LOCATIONS_CHANGED,
        via=via,
        actor=actor,
        subject=company,
        member=member,
        before={"location_ids": before},
        after={"location_ids": wanted},
    )
    return member
