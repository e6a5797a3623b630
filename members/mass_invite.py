"""Mass invite (R4.4): rows pasted from a spreadsheet, previewed, then invited.

Columns, in order: first name, last name, email, phone, company ID, plan ID,
start date. Tab-separated (what a spreadsheet copies) or comma-separated.
Every row is checked before anything is written; only valid rows are
invited, in one transaction with bulk inserts, and the emails go out from
Celery one task per chunk.
"""

import csv
import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from companies.models import Company
from integrations import outbox
from organizations.models import Location, Organization
from organizations.permissions import admin_locations

from .invitations import ensure_users, invitations_queue
from .models import Member, Membership, MemberStatus, Plan, PortalAccess, Via

MAX_ROWS = 10_000
COLUMNS = ("first name", "last name", "email", "phone", "company ID", "plan ID", "start date")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")


@dataclass
class Row:
    line: int
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    company_ref: str = ""
    plan_ref: str = ""
    start_ref: str = ""
    company: Company | None = None
    plan: Plan | None = None
    start_date: datetime.date | None = None
    location: Location | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class Preview:
    rows: list[Row]
    skipped_header: bool = False

    @property
    def valid(self) -> list[Row]:
        return [r for r in self.rows if r.ok]

    @property
    def invalid(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]


def _split(text: str) -> list[list[str]]:
    lines = [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    delimiter = "\t" if any("\t" in line for line in lines) else ","
    reader = csv.reader(lines, delimiter=delimiter)
    return [[cell.strip() for cell in cells] for cells in reader]


def _parse_date(value: str) -> datetime.date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _looks_like_header(cells: list[str]) -> bool:
    email = cells[2] if len(cells) > 2 else ""
    return "@" not in email and "mail" in email.lower()


def parse_rows(
    text: str,
    *,
    organization: Organization,
    user,
    location: Location | None,
    company: Company | None = None,
) -> Preview:
    """Check every pasted row; nothing is written.

    ``location`` is where people without a company land; ``company`` (the
    company page's mass invite) puts everyone into that company and ignores
    the company column. Companies and plans are looked up only among the
    organization's, at locations ``user`` manages.
    """
    raw = [cells for cells in _split(text) if any(cells)]
    if len(raw) > MAX_ROWS + 1:
        raise ValidationError(f"That is {len(raw)} rows; paste at most {MAX_ROWS:,} at a time.")
    skipped_header = bool(raw) and _looks_like_header(raw[0])
    if skipped_header:
        raw = raw[1:]
    if len(raw) > MAX_ROWS:
        raise ValidationError(f"That is {len(raw)} rows; paste at most {MAX_ROWS:,} at a time.")

    managed = admin_locations(user, organization)
    companies = {
        c.pk: c
        for c in Company.objects.filter(
            organization=organization, location__in=managed
        ).select_related("location")
    }
    managed_ids = set(managed.values_list("pk", flat=True))
    plans = {
        p.pk: p
        for p in Plan.objects.filter(organization=organization).select_related("location")
        if p.location_id is None or p.location_id in managed_ids
    }

    rows: list[Row] = []
    seen: dict[str, int] = {}
    for index, cells in enumerate(raw, start=2 if skipped_header else 1):
        cells = (cells + [""] * len(COLUMNS))[: len(COLUMNS)]
        row = Row(index, *cells)
        row.first_name = row.first_name[:100]
        row.last_name = row.last_name[:100]
        if not row.first_name:
            row.errors.append("First name is missing.")
        email = row.email.lower()
        row.email = email
        if not email:
            row.errors.append("Email is missing.")
        else:
            try:
                validate_email(email)
            except ValidationError:
                row.errors.append(f"“{row.email[:80]}” is not a valid email address.")
            else:
                if email in seen:
                    row.errors.append(f"Duplicate email: the same as row {seen[email]}.")
                else:
                    seen[email] = index
        if len(row.phone) > 40:
            row.errors.append("Phone is longer than 40 characters.")
        if company is not None:
            row.company = company
        elif row.company_ref:
            try:
                row.company = companies.get(int(row.company_ref))
            except ValueError:
                row.company = None
            if row.company is None:
                row.errors.append(f"Unknown company ID “{row.company_ref[:40]}”.")
        row.location = row.company.location if row.company else location
        if row.location is None:
            row.errors.append("No location: give a company ID or choose a location above.")
        if row.plan_ref:
            try:
                row.plan = plans.get(int(row.plan_ref))
            except ValueError:
                row.plan = None
            if row.plan is None:
                row.errors.append(f"Unknown plan ID “{row.plan_ref[:40]}”.")
            elif row.location and row.plan.location_id not in (None, row.location.pk):
                row.errors.append(f"Plan {row.plan.name} is not offered at {row.location.name}.")
        if row.start_ref:
            row.start_date = _parse_date(row.start_ref)
            if row.start_date is None:
                row.errors.append(
                    f"Start date “{row.start_ref[:40]}” is not a date; use YYYY-MM-DD."
                )
        rows.append(row)

    # One query per 2,000 addresses, whatever the paste's size.
    emails = [r.email for r in rows if r.email and r.email in seen and seen[r.email] == r.line]
    taken: set[str] = set()
    for start in range(0, len(emails), 2000):
        taken.update(
            Member.objects.filter(organization=organization)
            .annotate(email_lower=Lower("email"))
            .filter(email_lower__in=emails[start : start + 2000])
            .values_list("email_lower", flat=True)
        )
    for row in rows:
        if row.email in taken and seen.get(row.email) == row.line:
            row.errors.append(f"{row.email} is already a member here.")
    return Preview(rows=rows, skipped_header=skipped_header)


@transaction.atomic
def mass_invite(*, organization: Organization, actor, rows: list[Row]) -> list[Member]:
    """Invite the given (valid) rows: members pending, logins created, a
    personal membership where a plan is given, emails queued per chunk."""
    rows = [r for r in rows if r.ok]
    if not rows:
        return []
    managed = set(admin_locations(actor, organization).values_list("pk", flat=True))
    if any(
        r.location.organization_id != organization.pk or r.location.pk not in managed for r in rows
    ):
        raise ValidationError("Some rows point at a location you do not manage.")
    now = timezone.now()
    today = timezone.localdate()
    ensure_users([r.email for r in rows])
    members = Member.objects.bulk_create(
        [
            Member(
                organization=organization,
                location=r.location,
                company=r.company,
                first_name=r.first_name,
                last_name=r.last_name,
                email=r.email,
                phone=r.phone,
                status=MemberStatus.ACTIVE,
                portal_access=PortalAccess.PENDING,
                invited_at=now,
                added_by=actor,
                added_via=Via.ADMIN,
            )
            for r in rows
        ],
        batch_size=2000,
    )
    Membership.objects.bulk_create(
        [
            Membership(
                organization=organization,
                plan=r.plan,
                member=m,
                start_date=r.start_date or today,
            )
            for r, m in zip(rows, members, strict=True)
            if r.plan is not None
        ],
        batch_size=2000,
    )
    outbox.record_member_events(members=members, event=outbox.MemberEvent.CREATED)
    # One owed-email row per person, in this transaction; sent after commit
    # one task per chunk, and swept from beat if the broker is down.
    invitations_queue(members, invited_by_id=actor.pk)
    return members
