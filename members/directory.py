"""The customers directory's reads (R6.1): what each tab lists, what its
filters mean, the counts on the tabs and the rows of the export.

Every tab starts from ``members_for_admin`` or ``companies_in_directory``:
the organization's scope and the admin's locations hold for all of them.
"""

from datetime import datetime, timedelta
from functools import partial

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from audit.log import reaction
from audit.models import Verb
from companies.models import Company
from companies.selectors import companies_in_directory
from organizations.models import Organization, OrganizationAdmin
from tenancy.scoping import scoped

from .models import Member, Membership, MemberStatus
from .selectors import members_for_admin

#: The member tabs and the statuses each lists.
TAB_STATUSES = {
    "members": (MemberStatus.ACTIVE,),
    "contacts": (MemberStatus.CONTACT, MemberStatus.FORMER),
}

#: "New" in the directory: invited in the last 14 days and not logged in
#: yet (R4.4's label, limited to recent invitations).
NEW_DAYS = 14
ENDING_DAYS = 30


def directory_members(*, user, organization, tab: str) -> QuerySet:
    return members_for_admin(user=user, organization=organization).filter(
        status__in=TAB_STATUSES[tab]
    )


# ------------------------------------------------------------ filters


def membership_condition(state: str, today=None) -> Q:
    """Members whose memberships are ``active`` today, ``ending`` (active,
    and every active one ends within 30 days) or ``none`` (no active one)."""
    today = today or timezone.localdate()
    active = Membership.objects.active(today).filter(member=OuterRef("pk"))
    if state == "active":
        return Q(Exists(active))
    if state == "ending":
        lasting = active.filter(
            Q(end_date__isnull=True) | Q(end_date__gt=today + timedelta(days=ENDING_DAYS))
        )
        return Q(Exists(active)) & ~Q(Exists(lasting))
    return ~Q(Exists(active))


def plan_condition(plan) -> Q:
    """Members with an active membership on ``plan``."""
    on_plan = Membership.objects.active().filter(member=OuterRef("pk"), plan=plan)
    return Q(Exists(on_plan))


def role_condition(role: str, *, organization) -> Q:
    """Members holding ``role``: the roles ``Company.roles_of`` names, and
    an admin role here (the record's login, or the record it was invited
    with, as ``members.admin_roles.admin_role_of`` finds it).

    Role holders are few: each condition first names them by id
    (``InIds``, answered by the primary key's index) instead of testing
    every member of the tab in name order until a page is full (the whole
    tab when nobody holds the role: 80 ms at 100,000 members)."""
    companies = scoped(Company, organization).order_by()
    if role == "contact":
        named = companies.filter(contact_person__isnull=False).values("contact_person_id")
        return Q(InIds("pk", named)) & Q(company__contact_person_id=F("pk"))
    if role == "billing":
        named = companies.filter(billing_person__isnull=False).values("billing_person_id")
        return Q(InIds("pk", named)) & Q(company__billing_person_id=F("pk"))
    if role == "manager":
        managers = scoped(Member, organization).filter(is_manager=True).order_by().values("pk")
        return Q(InIds("pk", managers)) & Q(is_manager=True, company__isnull=False)
    roles = OrganizationAdmin.objects.filter(organization=organization).order_by()
    by_login = roles.filter(user__isnull=False).values("user_id")
    by_invitation = roles.filter(invited_member__isnull=False).values("invited_member_id")
    return Q(InIds("user_id", by_login)) | (Q(user__isnull=True) & Q(InIds("pk", by_invitation)))


def new_condition(now=None) -> Q:
    now = now or timezone.now()
    return Q(invited_at__gte=now - timedelta(days=NEW_DAYS), first_login_at__isnull=True)


class InIds(Func):
    """``column IN (subquery)`` that PostgreSQL can OR with other indexed
    conditions: there it is written ``column = ANY(ARRAY(subquery))``, so
    the subquery runs once and the column's index answers the arm. A plain
    ``IN (subquery)`` or a join inside an OR makes PostgreSQL read the whole
    table instead (a search through company names read all 100,000
    members: 300–600 ms)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, queryset: QuerySet):
        super().__init__(F(column), Subquery(queryset))

    def as_sql(self, compiler, connection, **extra_context):
        column, ids = (compiler.compile(e) for e in self.source_expressions)
        return f"{column[0]} IN {ids[0]}", (*column[1], *ids[1])

    def as_postgresql(self, compiler, connection, **extra_context):
        column, ids = (compiler.compile(e) for e in self.source_expressions)
        return f"{column[0]} = ANY(ARRAY{ids[0]})", (*column[1], *ids[1])


def search_condition(words: str, *, fields: tuple[str, ...]) -> Q:
    """Each word must match one of ``fields`` (``icontains``). One
    condition per word, so "ann acme" finds Ann at Acme; on PostgreSQL the
    trigram indexes of companies 0004 answer each arm."""
    condition = Q()
    for word in words.split()[:6]:
        arm = Q()
        for name in fields:
            arm |= Q(**{f"{name}__icontains": word})
        condition &= arm
    return condition


COMPANY_SEARCH = ("name", "email", "phone")


class MemberText(Func):
    """``word`` anywhere in a member's name, email or phone: one ``LIKE``
    on ``UPPER(first_name || ' ' || last_name || ' ' || email || ' ' ||
    phone)``, the expression of members 0015's trigram index, written to
    match it exactly. One index for the four columns, where one index per
    column left PostgreSQL reading all 100,000 members (four ``LIKE`` a row
    looked cheaper to it than four index scans). A word has no spaces, so
    it never matches across two columns."""

    conditional = True
    output_field = BooleanField()
    COLUMNS = ("first_name", "last_name", "email", "phone")

    def __init__(self, word: str):
        super().__init__(*(F(column) for column in self.COLUMNS))
        self.word = word

    def as_sql(self, compiler, connection, **extra_context):
        cast = "::text" if connection.vendor == "postgresql" else ""
        parts, params = [], []
        for expression in self.source_expressions:
            sql, part_params = compiler.compile(expression)
            parts.append(f"{sql}{cast}")
            params.extend(part_params)
        text = " || ' ' || ".join(parts)
        pattern = f"%{connection.ops.prep_for_like_query(self.word)}%"
        escape = " ESCAPE '\\'" if connection.vendor == "sqlite" else ""
        return f"UPPER({text}) LIKE UPPER(%s){escape}", (*params, pattern)


def member_search(words: str, *, organization) -> Q:
    """A member by name, email, phone, or their company's name: each word
    in one of them. A word that is the start of an address ("jane@",
    "jane@acme.c") matches the addresses that begin with it, and nothing
    else: the trigram index read every member for it (its domain's
    trigrams are in every address there), 28 ms at 100,000 members, where
    members 0020's prefix index reads one row."""
    companies = scoped(Company, organization)
    condition = Q()
    for word in words.split()[:6]:
        if _address_start(word):
            condition &= Q(email__istartswith=word)
            continue
        found = companies.filter(name__icontains=word).order_by().values("pk")
        condition &= Q(MemberText(word)) | Q(InIds("company_id", found))
    return condition


def _address_start(word: str) -> bool:
    return "@" in word[1:]


# ------------------------------------------------------------ companies tab


def company_member_counts(companies: list, *, locations) -> dict[tuple[int, int], int]:
    """Sets ``member_count`` and ``active_member_count`` on each company of
    a page, counted for those companies only (one query), and only their
    members at ``locations`` (the admin's, R1.2). Returns the Active ones
    by (company id, location id), as ``members.seats.seat_usages`` counts
    them (the company page's seats, without a query of their own)."""
    active_at: dict[tuple[int, int], int] = {}
    totals: dict[int, list[int]] = {}
    rows = (
        Member.objects.filter(company__in=[c.pk for c in companies], location__in=locations)
        .order_by()
        .values_list("company_id", "location_id")
        .annotate(total=Count("pk"), active=Count("pk", filter=Q(status=MemberStatus.ACTIVE)))
    )
    for company_id, location_id, total, active in rows:
        active_at[(company_id, location_id)] = active
        counted = totals.setdefault(company_id, [0, 0])
        counted[0] += total
        counted[1] += active
    for company in companies:
        company.member_count, company.active_member_count = totals.get(company.pk, (0, 0))
    return active_at


# ------------------------------------------------------------ users tab


def users_for_admin(*, user, organization) -> QuerySet:
    """Logins of the people the admin may see here: those linked to a member
    record at the admin's locations. Each carries what it holds in this
    organization only (its record, portal access, admin role); another
    organization's records are never named."""
    members = members_for_admin(user=user, organization=organization)
    record = Member.objects.filter(organization=organization, user_id=OuterRef("pk"))
    role = OrganizationAdmin.objects.filter(organization=organization, user_id=OuterRef("pk"))
    return (
        get_user_model()
        .objects.filter(pk__in=members.filter(user__isnull=False).values("user_id"))
        .annotate(
            member_id=Subquery(record.values("pk")[:1]),
            member_first_name=Subquery(record.values("first_name")[:1]),
            member_last_name=Subquery(record.values("last_name")[:1]),
            member_status=Subquery(record.values("status")[:1]),
            member_portal_access=Subquery(record.values("portal_access")[:1]),
            company_name=Subquery(record.values("company__name")[:1]),
            admin_is_owner=Subquery(role.values("is_owner")[:1]),
            admin_suspended_at=Subquery(role.values("suspended_at")[:1]),
            has_admin_role=Exists(role),
        )
    )


# ------------------------------------------------------------ tab counts

#: Tab counts are exact when computed and kept for this long at most; any
#: change to the directory's members or companies drops them sooner
#: (``forget_tab_counts``, called from members/reactions.py).
COUNTS_SECONDS = 300


def _counts_version(organization) -> str:
    version = cache.get(f"directory:{organization.pk}:version", 0)
    return f"{organization.pk}:{version}"


def _counts_key(organization, user) -> str:
    return f"directory:{_counts_version(organization)}:{user.pk}"


def _count(queryset) -> Subquery:
    return Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1])


def tab_counts(*, user, organization) -> dict:
    """How many rows each tab holds for this admin: exact, cached per
    organization and admin (one query on a miss, none on a hit), so a page
    view does not count 100,000 rows. The key's version moves with every
    change that could change a count (``counts_changed``)."""
    key = _counts_key(organization, user)
    counts = cache.get(key)
    if counts is None:
        members = members_for_admin(user=user, organization=organization)
        companies = companies_in_directory(user=user, organization=organization)
        counts = (
            Organization.objects.filter(pk=organization.pk)
            .annotate(
                members=_count(members.filter(status__in=TAB_STATUSES["members"])),
                contacts=_count(members.filter(status__in=TAB_STATUSES["contacts"])),
                users=_count(
                    get_user_model().objects.filter(
                        pk__in=members.filter(user__isnull=False).values("user_id")
                    )
                ),
                companies=_count(companies),
            )
            .values("members", "contacts", "users", "companies")
            .get()
        )
        cache.set(key, counts, COUNTS_SECONDS)
    return counts


def member_counts_by_location(*, organization) -> tuple[datetime, dict]:
    """When they were counted, and ``{location id: {"status": {value: n},
    "portal_access": {value: n} (Active members only), "total": n}}`` for
    every location of ``organization`` (the dashboard): one grouped query,
    cached for the whole organization (an admin's page picks their
    locations from it) until a change that moves a count, like the tab
    counts, and for ``COUNTS_SECONDS`` at most. Counting every member on
    each visit (45 ms at 100,000) was the page's whole cost."""
    key = f"member-counts:{_counts_version(organization)}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    counts: dict[int, dict] = {}
    rows = (
        scoped(Member, organization)
        .order_by()
        .values_list("location_id", "status", "portal_access")
        .annotate(n=Count("pk"))
    )
    for location_id, status, access, n in rows:
        here = counts.setdefault(location_id, {"status": {}, "portal_access": {}, "total": 0})
        here["status"][status] = here["status"].get(status, 0) + n
        if status == MemberStatus.ACTIVE:  # who can log in, among those who should
            here["portal_access"][access] = here["portal_access"].get(access, 0) + n
        here["total"] += n
    cached = (timezone.now(), counts)
    cache.set(key, cached, COUNTS_SECONDS)
    return cached


def forget_tab_counts(organization_ids) -> None:
    for organization_id in set(organization_ids):
        key = f"directory:{organization_id}:version"
        cache.set(key, cache.get(key, 0) + 1, None)


#: What changes a tab's count: a member arriving, leaving, changing tab
#: (status), gaining a login; a company arriving, archived or restored,
#: or at other locations. And the dashboard's: portal access changing
#: (an invitation sent or withdrawn makes it Pending or None).
CHANGES_COUNTS = (
    Verb.MEMBER_CREATED,
    Verb.MEMBER_STATUS_CHANGED,
    Verb.MEMBER_PORTAL_ACCESS_CHANGED,
    Verb.INVITATION_SENT,
    Verb.INVITATION_REVOKED,
    Verb.MEMBER_LOGIN_LINKED,
    Verb.MEMBER_TRANSFERRED,
    Verb.MEMBER_LEFT_LOCATION,
    Verb.MEMBER_REMOVED,
    Verb.MEMBER_ERASED,
    Verb.INVITATION_ACCEPTED,
    Verb.COMPANY_CREATED,
    # Archived companies leave the tab; a company's locations decide whose
    # tab it is in.
    Verb.COMPANY_ARCHIVED,
    Verb.COMPANY_UPDATED,
    # Which locations an admin sees.
    Verb.ADMIN_PERMISSIONS_CHANGED,
    Verb.ADMIN_SUSPENDED,
    Verb.ADMIN_REMOVED,
)


@reaction(*CHANGES_COUNTS)
def counts_changed(entries) -> None:
    # After the commit: counted before it, the old numbers would be cached
    # under the new version.
    organization_ids = {entry.organization_id for entry in entries}
    transaction.on_commit(partial(forget_tab_counts, organization_ids))


# ------------------------------------------------------------ export


def with_current_plan(queryset: QuerySet) -> QuerySet:
    """Adds the plan of each member's latest active membership (id, name)."""
    current = (
        Membership.objects.active().filter(member=OuterRef("pk")).order_by("-start_date", "-pk")
    )
    return queryset.annotate(
        current_plan_id=Subquery(current.values("plan_id")[:1]),
        current_plan_name=Subquery(current.values("plan__name")[:1]),
    )
