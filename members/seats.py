"""Seat caps (issue 14, item 1): how many of a company's members may be
Active at one of its locations.

The cap of a (company, location): the seats of the company's current
memberships at that location (a plan of that location, or a plan offered
at every location) that carry seats, summed; when none carries seats, the
company's own cap there (``CompanyLocation.seats``); neither: no cap.
A member uses a seat while Active at that location; one awaiting an admin's
approval (R8.2) is not Active yet, so uses none until approved.

``claim_seats`` is the one check every path that makes someone Active goes
through (``member_change_status``, ``member_create``, ``mass_invite``; My
team, bulk actions and approvals reach it through those). It locks the
company's ``CompanyLocation`` row before counting, so two activations for
the last seat serialise: the second counts the first once it committed.
Only an admin (admin portal or Django admin) may go over the cap, with an
explicit confirmation that is recorded (``record_seat_override``); a
contact person never can.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from audit import log
from audit.models import Verb, Via
from companies.models import Company, CompanyLocation
from members.directory import InIds
from members.models import Member, Membership, MemberStatus
from tenancy.scoping import scoped

#: The doors through which an admin may confirm going over a cap.
OVERRIDE_VIAS = (Via.ADMIN, Via.SUPPORT)
#: The dashboard lists companies with this few seats left, or none.
NEAR_CAP = 1


@dataclass
class SeatUsage:
    company_id: int
    location_id: int
    company_name: str
    location_name: str
    used: int
    cap: int | None

    @property
    def capped(self) -> bool:
        return self.cap is not None

    @property
    def free(self) -> int | None:
        return None if self.cap is None else max(self.cap - self.used, 0)

    @property
    def full(self) -> bool:
        return self.cap is not None and self.used >= self.cap

    @property
    def over(self) -> bool:
        return self.cap is not None and self.used > self.cap

    @property
    def near(self) -> bool:
        return self.cap is not None and self.cap - self.used <= NEAR_CAP

    def summary(self) -> str:
        """ "Seats: 7 of 10 at Harbour Street"."""
        return _("Seats: %(used)s of %(cap)s at %(location)s") % {
            "used": self.used,
            "cap": self.cap,
            "location": self.location_name,
        }


class SeatCapReached(ValidationError):
    """Making someone Active would go over the company's cap there."""

    def __init__(self, usage: SeatUsage, *, via: str, organization_name: str, adding: int = 1):
        self.usage = usage
        values = {
            "company": usage.company_name,
            "used": usage.used,
            "cap": usage.cap,
            "location": usage.location_name,
            "adding": adding,
            "organization": organization_name,
        }
        if via not in OVERRIDE_VIAS:
            words = _(
                "%(company)s uses %(used)s of %(cap)s seats at %(location)s; ask an admin of "
                "%(organization)s for more."
            )
        elif adding > 1:
            words = _(
                "%(company)s uses %(used)s of %(cap)s seats at %(location)s and %(adding)s more "
                "were asked for; add seats to its membership, or tick “Go over the cap” to go "
                "ahead anyway."
            )
        else:
            words = _(
                "%(company)s uses %(used)s of %(cap)s seats at %(location)s; add seats to its "
                "membership, or tick “Go over the cap” to go ahead anyway."
            )
        words = words % values
        super().__init__(words, code="seat_cap")


def _membership_caps(organization_id, company_ids) -> dict[tuple[int, int | None], int]:
    """{(company id, plan's location id or None): seats} of the current
    company memberships that carry seats (one query)."""
    rows = (
        scoped(Membership, organization_id)
        .active()
        .filter(company_id__in=company_ids, seats__isnull=False)
        .values_list("company_id", "plan__location_id", "seats")
    )
    return _summed(rows)


def caps_of(memberships) -> dict[tuple[int, int | None], int]:
    """``_membership_caps`` from memberships the caller has read already,
    with their plans (a company page's card): no query."""
    return _summed(
        (row.company_id, row.plan.location_id, row.seats)
        for row in memberships
        if row.company_id is not None and row.seats is not None and row.is_active()
    )


def _summed(rows) -> dict[tuple[int, int | None], int]:
    caps: dict[tuple[int, int | None], int] = defaultdict(int)
    for company_id, location_id, seats in rows:
        caps[(company_id, location_id)] += seats
    return caps


def _cap(caps, row: CompanyLocation) -> int | None:
    here = caps.get((row.company_id, row.location_id), 0)
    everywhere = caps.get((row.company_id, None), 0)
    if here or everywhere:
        return here + everywhere
    return row.seats


def claim_seats(
    *, company: Company | int, location, adding: int = 1, via: str, override: bool = False
) -> SeatUsage | None:
    """Check that ``adding`` more Active members of ``company`` fit at
    ``location``; call inside the transaction that makes them Active.

    Locks the company's row for that location first (SELECT … FOR UPDATE),
    so a concurrent activation waits and then counts this one. Returns
    None when they fit; the usage when they do not and an admin confirmed
    going over (``override``; the caller records it with
    ``record_seat_override``); else raises ``SeatCapReached``.
    """
    key = (getattr(company, "pk", company), getattr(location, "pk", location))
    overridden = claim_seats_many({key: adding}, via=via, override=override)
    return overridden[0][0] if overridden else None


def claim_seats_many(
    joining: dict[tuple[int, int], int], *, via: str, override: bool = False
) -> list[tuple[SeatUsage, int]]:
    """``claim_seats`` for {(company id, location id): how many} at once
    (mass invite): three queries however many companies, the rows locked
    in one order. Returns the (usage, how many) an admin went over with."""
    if not joining:
        return []
    keys = Q()
    for company_id, location_id in joining:
        keys |= Q(company_id=company_id, location_id=location_id)
    rows = list(
        CompanyLocation.objects.select_for_update(of=("self",))
        .select_related("company", "location", "organization")
        .filter(keys)
        .order_by("pk")
    )
    if not rows:  # not customers there: nothing to cap
        return []
    organization_id = rows[0].organization_id
    caps = _membership_caps(organization_id, {row.company_id for row in rows})
    capped = [(row, _cap(caps, row)) for row in rows]
    capped = [(row, cap) for row, cap in capped if cap is not None]
    if not capped:
        return []
    counts = _active_counts(organization_id, {row.company_id for row, _cap in capped})
    overridden = []
    for row, cap in capped:
        adding = joining[(row.company_id, row.location_id)]
        used = counts.get((row.company_id, row.location_id), 0)
        if used + adding <= cap:
            continue
        usage = SeatUsage(
            company_id=row.company_id,
            location_id=row.location_id,
            company_name=row.company.name,
            location_name=row.location.name,
            used=used,
            cap=cap,
        )
        if not (override and via in OVERRIDE_VIAS):
            raise SeatCapReached(
                usage, via=via, organization_name=row.organization.name, adding=adding
            )
        overridden.append((usage, adding))
    return overridden


def _active_counts(organization_id, company_ids) -> dict[tuple[int, int], int]:
    """{(company id, location id): Active members} (one query)."""
    return {
        (company_id, location_id): total
        for company_id, location_id, total in scoped(Member, organization_id)
        .filter(company_id__in=company_ids, status=MemberStatus.ACTIVE)
        .values_list("company_id", "location_id")
        .annotate(total=Count("pk"))
        .order_by()
    }


def record_seat_override(
    usage: SeatUsage, *, adding: int = 1, actor, via: str, subject, reason: str = ""
):
    """The admin's confirmation, in the history of ``subject`` (the member
    made Active, or the company for a mass invite)."""
    return log.record(
        verb=Verb.SEAT_CAP_OVERRIDDEN,
        via=via,
        actor=actor,
        subject=subject,
        before={"used": usage.used, "cap": usage.cap},
        after={
            "used": usage.used + adding,
            "cap": usage.cap,
            "company_id": usage.company_id,
            "location_id": usage.location_id,
        },
        reason=reason
        or _("Confirmed going over the cap: %(used)s of %(cap)s seats at %(location)s.")
        % {"used": usage.used + adding, "cap": usage.cap, "location": usage.location_name},
    )


def seat_usages(rows, *, caps=None, active=None) -> list[SeatUsage]:
    """The usage of each of these ``CompanyLocation`` rows (with
    ``company`` and ``location`` selected), capped or not: two queries,
    however many rows, fewer when the caller has the companies' caps
    (``caps_of``) or their Active members by location
    ({(company id, location id): count}, ``active``)."""
    return _usages(list(rows), capped_only=False, caps=caps, active=active)


def capped_seat_usages(rows) -> list[SeatUsage]:
    """The usage of those of these rows that have a cap: one query when
    none has (most companies), two when one has."""
    return _usages(list(rows), capped_only=True)


def _usages(rows: list, *, capped_only: bool, caps=None, active=None) -> list[SeatUsage]:
    if not rows:
        return []
    organization_id = rows[0].organization_id
    if caps is None:
        caps = _membership_caps(organization_id, {row.company_id for row in rows})
    capped = [(row, _cap(caps, row)) for row in rows]
    if capped_only:
        capped = [(row, cap) for row, cap in capped if cap is not None]
        if not capped:
            return []
    counts = (
        active
        if active is not None
        else _active_counts(organization_id, {row.company_id for row, _ in capped})
    )
    return [
        SeatUsage(
            company_id=row.company_id,
            location_id=row.location_id,
            company_name=row.company.name,
            location_name=row.location.name,
            used=counts.get((row.company_id, row.location_id), 0),
            cap=cap,
        )
        for row, cap in capped
    ]


def companies_near_cap(*, organization_id, locations, limit: int = 20) -> list[SeatUsage]:
    """The dashboard's list: companies at ``locations`` with a cap there
    and at most ``NEAR_CAP`` seats left (or over it), fullest first. A
    constant number of queries: the capped rows, then ``seat_usages``."""
    # Companies with seats on a membership named by id: as a join, the OR
    # read every membership and company of the organization (12 ms at 5,000
    # companies, on the page every admin lands on).
    with_seats = (
        scoped(Membership, organization_id)
        .filter(seats__isnull=False, company__isnull=False)
        .order_by()
        .values("company_id")
    )
    rows = (
        scoped(CompanyLocation, organization_id)
        .filter(location__in=locations, company__archived_at__isnull=True)
        .filter(Q(seats__isnull=False) | Q(InIds("company_id", with_seats)))
        .select_related("company", "location")
    )
    usages = [usage for usage in capped_seat_usages(rows) if usage.near]
    usages.sort(key=lambda u: (u.free, u.company_name, u.location_name))
    return usages[:limit]


def member_seat_usage(member: Member) -> SeatUsage | None:
    """The seats of ``member``'s company at their location, when capped
    (the member page's status form): two queries, three with the row."""
    if member.company_id is None:
        return None
    row = (
        scoped(CompanyLocation, member.organization_id)
        .select_related("company", "location")
        .filter(company_id=member.company_id, location_id=member.location_id)
        .first()
    )
    if row is None:
        return None
    cap = _cap(_membership_caps(member.organization_id, [member.company_id]), row)
    if cap is None:
        return None
    used = _active_counts(member.organization_id, [member.company_id]).get(
        (row.company_id, row.location_id), 0
    )
    return SeatUsage(
        company_id=row.company_id,
        location_id=row.location_id,
        company_name=row.company.name,
        location_name=row.location.name,
        used=used,
        cap=cap,
    )
