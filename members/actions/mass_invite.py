"""Mass invite (R4.4): rows pasted from a spreadsheet, previewed, then invited.

Columns, in order: first name, last name, email, phone, company ID, plan ID,
start date. Tab-separated (what a spreadsheet copies) or comma-separated.
Every row is checked before anything is written; only valid rows are
invited, in one transaction with bulk inserts, and the emails go out from
Celery one task per chunk.
"""

import csv
import datetime
import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log
from audit.models import Verb, Via
from companies.models import Company, CompanyLocation
from companies.policy import new_member_refusal
from companies.selectors import companies_for_admin
from members.actions.invitations import ensure_users
from members.fields import column_max_length, single_line, single_line_errors
from members.invitation_emails import invitations_queue
from members.models import Member, Membership, MemberStatus, Plan, PortalAccess
from members.policy import members_with_email
from members.seats import claim_seats_many, record_seat_override, seat_usages
from members.selectors import plans_for_admin
from organizations.models import Location, Organization
from organizations.permissions import admin_location_ids, admin_locations

MAX_ROWS = 10_000
#: The paste box takes this many characters: 10,000 rows of 100. The request
#: limit (DATA_UPLOAD_MAX_MEMORY_SIZE) is derived from it, so that a paste
#: under it, URL-encoded, always reaches this check and its message.
MAX_TEXT = settings.MASS_INVITE_MAX_TEXT
#: csv's own limit is 131,072 characters a cell; nothing we store is longer
#: than 254, so anything past this is a mistake in the paste.
CELL_LIMIT = 1_000
#: The columns each cell is stored in: a row is checked against the same
#: limits and rules as the invite form (members/fields.py).
CELL_COLUMNS = (("First name", "first_name"), ("Last name", "last_name"), ("Phone", "phone"))
COLUMNS = ("first name", "last name", "email", "phone", "company ID", "plan ID", "start date")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")


@dataclass
class Row:
    line: int  # the line of the paste (blank lines counted), as in the spreadsheet
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


def _split(text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) for each record of the paste, numbered by line
    so that "row N" is row N of the spreadsheet (blank lines count; a quoted
    cell spanning lines is numbered by its first)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    delimiter = "\t" if any("\t" in line for line in lines) else ","
    reader = csv.reader(lines, delimiter=delimiter)
    records = []
    start = 1
    try:
        for cells in reader:
            records.append((start, [cell.strip() for cell in cells]))
            start = reader.line_num + 1
    except csv.Error as error:
        # A cell over csv's size limit, mostly: say where, not a 500.
        raise ValidationError(
            _(
                "Row %(start)s could not be read (%(error)s). Check that row "
                "in your spreadsheet and paste again."
            )
            % {"start": start, "error": error}
        ) from error
    return records


def paste_fingerprint(text: str, *, location_id=None, company_id=None) -> str:
    """What "Invite" must match: the text and choices that were previewed.
    If the paste changed after the preview, the rows are previewed again
    rather than inviting rows nobody has seen."""
    digest = hashlib.sha256(f"{location_id}|{company_id}|".encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def errors_csv(preview: "Preview") -> str:
    """Every row with an error, as CSV for the spreadsheet (the page shows
    only the first few hundred)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Row", "First name", "Last name", "Email", "Problem"])
    for row in preview.invalid:
        writer.writerow(
            [
                row.line,
                *(_csv_safe(v) for v in (row.first_name, row.last_name, row.email)),
                " ".join(row.errors),
            ]
        )
    return out.getvalue()


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


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


def check_paste_length(text: str) -> None:
    if len(text) > MAX_TEXT:
        raise ValidationError(
            _(
                "That paste is %(count)s characters; paste at most "
                "%(max_text)s at a time (about %(max_rows)s rows). Split it "
                "into smaller pastes."
            )
            % {
                "count": format(len(text), ","),
                "max_text": format(MAX_TEXT, ","),
                "max_rows": format(MAX_ROWS, ","),
            }
        )


def id_lookups(*, user, organization: Organization) -> tuple[list[Company], list[Plan]]:
    """The companies and plans whose IDs ``user`` may paste, by name."""
    companies = (
        companies_for_admin(user=user, organization=organization)
        .prefetch_related(
            Prefetch(
                "company_locations",
                # Not where the company moved out (members/actions/moves.py).
                queryset=CompanyLocation.objects.filter(
                    ended_at__isnull=True,
                    location__in=admin_locations(user, organization).filter(
                        archived_at__isnull=True
                    ),
                ).select_related("location"),
            )
        )
        .order_by("name", "pk")
    )
    # Archived plans (and those of archived locations) take no new memberships.
    plans = plans_for_admin(user=user, organization=organization).filter(
        archived_at__isnull=True, location__archived_at__isnull=True
    )
    return list(companies), list(plans)


def _location_in_company(company: Company, location: Location | None):
    """Where a row joining ``company`` lands: the location chosen above when
    the company is a customer there, else the company's one location at
    the admin's locations (``company_locations`` holds only those)."""
    if company.is_archived:
        return None, new_member_refusal(company, location)
    here = {row.location_id: row.location for row in company.company_locations.all()}
    if location is not None:
        if location.pk in here:
            return location, None
        return None, new_member_refusal(company, location)
    if len(here) == 1:
        return next(iter(here.values())), None
    return None, (
        _("%(company)s is at several of your locations: choose the location above.")
        % {"company": company.name}
    )


def parse_rows(
    text: str,
    *,
    organization: Organization,
    user,
    location: Location | None,
    company: Company | None = None,
    lookups: tuple[list[Company], list[Plan]] | None = None,
    over_seat_cap: bool = False,
) -> Preview:
    """Check every pasted row; nothing is written.

    ``location`` is where people without a company land; ``company`` (the
    company page's mass invite) puts everyone into that company and ignores
    the company column. Companies and plans are looked up only among the
    organization's, at locations ``user`` manages (``lookups``: already
    fetched by ``id_lookups``). Rows beyond a company's seat cap get an
    error, unless the admin confirmed going over it (``over_seat_cap``).
    """
    check_paste_length(text)
    raw = [(line, cells) for line, cells in _split(text) if any(cells)]
    if len(raw) > MAX_ROWS + 1:
        raise ValidationError(
            _("That is %(count)s rows; paste at most %(max_rows)s at a time.")
            % {"count": format(len(raw), ","), "max_rows": format(MAX_ROWS, ",")}
        )
    skipped_header = bool(raw) and _looks_like_header(raw[0][1])
    if skipped_header:
        raw = raw[1:]
    if len(raw) > MAX_ROWS:
        raise ValidationError(
            _("That is %(count)s rows; paste at most %(max_rows)s at a time.")
            % {"count": format(len(raw), ","), "max_rows": format(MAX_ROWS, ",")}
        )

    company_list, plan_list = lookups or id_lookups(user=user, organization=organization)
    companies = {c.pk: c for c in company_list}
    plans = {p.pk: p for p in plan_list}

    limits = {column: column_max_length(Member, column) for _, column in CELL_COLUMNS}
    email_limit = column_max_length(Member, "email")
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for index, cells in raw:
        cells = (cells + [""] * len(COLUMNS))[: len(COLUMNS)]
        # Shown back in the preview: a runaway cell is cut for display; its
        # row gets an error below, so nothing cut is ever stored.
        row = Row(index, *(cell[:CELL_LIMIT] for cell in cells))
        if not row.first_name:
            row.errors.append(_("First name is missing."))
        values = (cells[0], cells[1], cells[3])
        for (label, column), value in zip(CELL_COLUMNS, values, strict=True):
            limit = limits[column]
            if len(value) > limit:
                row.errors.append(
                    _("%(label)s is longer than %(limit)s characters.")
                    % {"label": label, "limit": limit}
                )
            else:
                row.errors.extend(f"{label}: {error}" for error in single_line_errors(value))
        email = row.email.lower()
        row.email = email
        if not email:
            row.errors.append(_("Email is missing."))
        elif len(email) > email_limit:  # as stored: "İ" lower-cases to two characters
            row.errors.append(
                _("Email is longer than %(email_limit)s characters.") % {"email_limit": email_limit}
            )
            row.email = email[:80] + "…"
        else:
            try:
                # validate_email takes a quoted local part with control
                # characters in it ("\x1b"@example.com); the form does not.
                validate_email(email)
                single_line(email)
            except ValidationError:
                row.errors.append(
                    _("“%(row_email)s” is not a valid email address.")
                    % {"row_email": row.email[:80]}
                )
            else:
                if email in seen:
                    row.errors.append(
                        _("Duplicate email: the same as row %(seen_email)s.")
                        % {"seen_email": seen[email]}
                    )
                else:
                    seen[email] = index
        if company is not None:
            row.company = company
        elif row.company_ref:
            try:
                row.company = companies.get(int(row.company_ref))
            except ValueError:
                row.company = None
            if row.company is None:
                row.errors.append(
                    _("Unknown company ID “%(company_ref)s”.")
                    % {"company_ref": row.company_ref[:40]}
                )
        row.location = location
        if row.company is not None:
            row.location, refusal = _location_in_company(row.company, location)
            if refusal:
                row.errors.append(refusal)
        elif row.location is None:
            row.errors.append(_("No location: give a company ID or choose a location above."))
        if row.plan_ref:
            try:
                row.plan = plans.get(int(row.plan_ref))
            except ValueError:
                row.plan = None
            if row.plan is None:
                row.errors.append(
                    _("Unknown plan ID “%(plan_ref)s”.") % {"plan_ref": row.plan_ref[:40]}
                )
            elif row.location and row.plan.location_id not in (None, row.location.pk):
                row.errors.append(
                    _("Plan %(plan)s is not offered at %(location)s.")
                    % {"plan": row.plan.name, "location": row.location.name}
                )
        if row.start_ref:
            row.start_date = _parse_date(row.start_ref)
            if row.start_date is None:
                row.errors.append(
                    _("Start date “%(start_ref)s” is not a date; use YYYY-MM-DD.")
                    % {"start_ref": row.start_ref[:40]}
                )
        rows.append(row)

    # One query per 2,000 addresses, whatever the paste's size.
    emails = [r.email for r in rows if r.email and r.email in seen and seen[r.email] == r.line]
    taken: set[str] = set()
    for start in range(0, len(emails), 2000):
        taken.update(
            members_with_email(organization.pk, *emails[start : start + 2000]).values_list(
                "email_lower", flat=True
            )
        )
    for row in rows:
        if row.email in taken and seen.get(row.email) == row.line:
            row.errors.append(
                _("%(row_email)s is already a member here.") % {"row_email": row.email}
            )
    if not over_seat_cap:
        _refuse_beyond_seats(rows)
    return Preview(rows=rows, skipped_header=skipped_header)


def _refuse_beyond_seats(rows: list[Row]) -> None:
    """Rows that would make a company's Active members at a location more
    than its seats there get the cap's words (issue 14); the first rows
    that fit stay valid. Two queries, whatever the paste's size."""
    places = {}
    for row in rows:
        if row.ok and row.company is not None and (row.company.pk, row.location.pk) not in places:
            for held in row.company.company_locations.all():
                if held.location_id == row.location.pk:
                    places[(row.company.pk, row.location.pk)] = held
    free = {}
    for usage in seat_usages(places.values()):
        if usage.capped:
            free[(usage.company_id, usage.location_id)] = [usage, usage.free]
    for row in rows:
        key = (row.company.pk, row.location.pk) if row.ok and row.company is not None else None
        if key not in free:
            continue
        usage, left = free[key]
        if left > 0:
            free[key][1] = left - 1
            continue
        row.errors.append(
            _(
                "%(company)s uses %(used)s of %(cap)s seats at %(location)s: this row is "
                "beyond the cap. Tick “Go over the cap” to invite it anyway."
            )
            % {
                "company": usage.company_name,
                "used": usage.used,
                "cap": usage.cap,
                "location": usage.location_name,
            }
        )


@transaction.atomic
def mass_invite(
    *, organization: Organization, actor, rows: list[Row], over_seat_cap: bool = False
) -> list[Member]:
    """Invite the given (valid) rows: members pending, logins created, a
    personal membership where a plan is given, emails queued per chunk.
    Each company's seats at each location are claimed first (locked, as
    one at a time would): beyond a cap nobody is invited, unless the admin
    confirmed going over it (``over_seat_cap``, recorded on the company)."""
    rows = [r for r in rows if r.ok]
    if not rows:
        return []
    managed = admin_location_ids(actor, organization)
    if any(
        r.location.organization_id != organization.pk or r.location.pk not in managed for r in rows
    ):
        raise ValidationError(_("Some rows point at a location you do not manage."))
    joining = Counter((r.company.pk, r.location.pk) for r in rows if r.company is not None)
    # Their seats, claimed under lock as one at a time would (three queries).
    overridden = claim_seats_many(joining, via=Via.ADMIN, override=over_seat_cap)
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
    # One entry per member, one INSERT; the connected systems hear of all
    # of them at once (integrations/reactions.py).
    log.record_many(verb=Verb.MEMBER_CREATED, via=Via.ADMIN, actor=actor, subjects=members)
    companies = {r.company.pk: r.company for r in rows if r.company is not None}
    for usage, count in overridden:
        record_seat_override(
            usage, adding=count, actor=actor, via=Via.ADMIN, subject=companies[usage.company_id]
        )
    # One owed-email row per person, in this transaction; sent after commit
    # one task per chunk, and swept from beat if the broker is down.
    invitations_queue(members, invited_by_id=actor.pk)
    return members
