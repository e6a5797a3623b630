"""Actions that change companies: create, edit (details and locations),
archive and restore (issue 13, item 2). Who holds which role is in
members/actions/roles.py: it changes members too.

Who may call them is the caller's question (companies/policy.py
``may_change_company`` for the admin portal); what holds for every caller
is checked here, inside the transaction: the locations belong to the
organization, a location keeps no member or contact link behind when it is
taken away, an archived company has no active member.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log
from audit.models import Verb, Via
from organizations.models import Location, Organization

from .models import Company, CompanyLocation, ContactLocation

#: The company's own fields an admin edits (the form's, the log's).
DETAIL_FIELDS = (
    "name",
    "email",
    "phone",
    "billing_name",
    "billing_address",
    "tax_id",
    "internal_notes",
)


def _check_locations(organization: Organization, locations) -> list[Location]:
    locations = list(dict.fromkeys(locations))
    if not locations:
        raise ValidationError({"locations": _("Choose at least one location.")})
    for location in locations:
        if location.organization_id != organization.pk:
            raise ValidationError(
                {"locations": _("That location belongs to another organization.")}
            )
    return locations


@transaction.atomic
def company_create(
    *,
    organization: Organization,
    name: str,
    location: Location | None = None,
    locations=(),
    actor=None,
    via: str = Via.ADMIN,
    **details,
) -> Company:
    """A new company, a customer at ``locations`` (or the one ``location``)."""
    locations = _check_locations(
        organization, [*locations, *([location] if location is not None else [])]
    )
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown company fields: {sorted(unknown)}")
    company = Company.objects.create(
        organization=organization,
        name=name.strip(),
        **{
            key: value.strip() if isinstance(value, str) else value
            for key, value in details.items()
        },
    )
    CompanyLocation.objects.bulk_create(
        [
            CompanyLocation(organization=organization, company=company, location=place)
            for place in locations
        ]
    )
    log.record(
        verb=Verb.COMPANY_CREATED,
        via=via,
        actor=actor,
        subject=company,
        after={"name": company.name, "location_ids": sorted(place.pk for place in locations)},
    )
    return company


def _refuse_if_archived(company: Company) -> None:
    if company.is_archived:
        raise ValidationError(
            _("%(company)s is archived: restore it before changing it.") % {"company": company.name}
        )


@transaction.atomic
def company_update(
    *, company: Company, locations=None, actor=None, via: str = Via.ADMIN, **details
) -> Company:
    """Change the company's details and, given ``locations``, exactly the
    locations where it is a customer. A location is taken away only when
    nobody of the company is there and no contact is linked to it."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    _refuse_if_archived(company)
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown company fields: {sorted(unknown)}")
    before, after = {}, {}
    for key, value in details.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(company, key) != value:
            before[key], after[key] = getattr(company, key), value
            setattr(company, key, value)
    if not company.name:
        raise ValidationError({"name": _("A company needs a name.")})
    if after:
        company.save(update_fields=[*after, "updated_at"])
    if locations is not None:
        _set_locations(company, _check_locations(company.organization, locations), before, after)
    if after:
        log.record(
            verb=Verb.COMPANY_UPDATED,
            via=via,
            actor=actor,
            subject=company,
            before=before,
            after=after,
        )
    return company


def _set_locations(company: Company, locations: list[Location], before: dict, after: dict) -> None:
    held = dict(CompanyLocation.objects.filter(company=company).values_list("location_id", "pk"))
    wanted = {place.pk for place in locations}
    leaving = set(held) - wanted
    if leaving:
        from_members = (
            company.members.filter(location_id__in=leaving)
            .select_related("location")
            .order_by("location__name")
            .first()
        )
        if from_members is not None:
            raise ValidationError(
                {
                    "locations": _(
                        "Members of %(company)s are at %(location)s: move them or take them off "
                        "the team before taking the location away."
                    )
                    % {"company": company.name, "location": from_members.location.name}
                }
            )
        if ContactLocation.objects.filter(company=company, location_id__in=leaving).exists():
            raise ValidationError(
                {
                    "locations": _(
                        "A contact of %(company)s is linked to a location you are taking away: "
                        "change their link first."
                    )
                    % {"company": company.name}
                }
            )
        CompanyLocation.objects.filter(company=company, location_id__in=leaving).delete()
    arriving = wanted - set(held)
    CompanyLocation.objects.bulk_create(
        [
            CompanyLocation(
                organization_id=company.organization_id, company=company, location=place
            )
            for place in locations
            if place.pk in arriving
        ]
    )
    if leaving or arriving:
        before["location_ids"] = sorted(held)
        after["location_ids"] = sorted(wanted)


@transaction.atomic
def company_archive(
    *, company: Company, actor=None, via: str = Via.ADMIN, reason: str = ""
) -> Company:
    """Archive the company: hidden from the default lists, no new members.

    Refused while any member of it is Active: end them first (set them to
    Former, or move them), so nobody keeps door access through a company
    the operator has closed. Contacts and Former members stay on it as
    its history."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    if company.is_archived:
        return company
    active = company.members.filter(status="active").count()
    if active:
        raise ValidationError(
            _(
                "%(company)s still has %(count)s active member(s). Set them to Former or move "
                "them before archiving it."
            )
            % {"company": company.name, "count": active}
        )
    company.archived_at = timezone.now()
    company.save(update_fields=["archived_at", "updated_at"])
    log.record(
        verb=Verb.COMPANY_ARCHIVED,
        via=via,
        actor=actor,
        subject=company,
        before={"archived": False},
        after={"archived": True},
        reason=reason,
    )
    return company


@transaction.atomic
def company_restore(*, company: Company, actor=None, via: str = Via.ADMIN) -> Company:
    """Bring an archived company back to the lists; it takes members again."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    if not company.is_archived:
        return company
    company.archived_at = None
    company.save(update_fields=["archived_at", "updated_at"])
    log.record(
        verb=Verb.COMPANY_ARCHIVED,
        via=via,
        actor=actor,
        subject=company,
        before={"archived": True},
        after={"archived": False},
    )
    return company


@transaction.atomic
def company_set_seats(
    *, company: Company, location, seats: int | None, actor=None, via: str = Via.ADMIN
) -> CompanyLocation:
    """Set the company's own cap of Active members at ``location`` (issue
    14; None: no cap). A current company membership there with seats takes
    precedence (members/seats.py). Lowering it below the members Active
    there now makes nobody leave: it refuses the next one."""
    row = CompanyLocation.objects.select_for_update().get(company=company, location=location)
    if seats is not None and seats < 1:
        raise ValidationError({"seats": _("At least one seat, or leave it empty.")})
    if row.seats == seats:
        return row
    before = {"seats": row.seats, "location_id": row.location_id}
    row.seats = seats
    row.save(update_fields=["seats"])
    log.record(
        verb=Verb.COMPANY_SEATS_CHANGED,
        via=via,
        actor=actor,
        subject=company,
        before=before,
        after={"seats": seats, "location_id": row.location_id},
    )
    return row
