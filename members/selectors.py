"""Reads of members, with everything their pages need fetched up front."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.emails import verified_emails
from audit.models import AuditEntry
from companies.models import Company
from companies.selectors import company_page_for_admin
from organizations.models import Organization, OrganizationAdmin
from organizations.permissions import (
    admin_locations,
    can_manage_organization_settings,
    grants_by_user,
)
from tenancy.scoping import scoped

from .admin_roles import admin_role_of, admin_role_refusal
from .models import (
    Member,
    Membership,
    MemberStatus,
    Plan,
    PortalAccess,
    StatusChange,
    StatusRequest,
    TeamMove,
)
from .policy import read_only_refusal


def with_active_membership(queryset: QuerySet) -> QuerySet:
    """Adds ``has_active_membership``. A scalar subquery (``SELECT true …
    LIMIT 1``), not EXISTS: PostgreSQL plans an EXISTS in the select list
    as one hash of every active membership of the organization, built for
    each query however few rows it returns (a page of 50 read 20,000
    memberships, 5–25 ms at 100,000 members); the scalar form probes the
    membership index once per row returned."""
    active = (
        Membership.objects.active()
        .filter(member=OuterRef("pk"))
        .order_by()
        .values(found=Value(True, output_field=BooleanField()))[:1]
    )
    return queryset.annotate(
        has_active_membership=Coalesce(Subquery(active), Value(False, output_field=BooleanField()))
    )


def history_prefetches(*, organization, names: bool = False) -> list[Prefetch]:
    """What members/status_history.html shows, fetched for any number of
    members at once: the status changes and their actors. With ``names``
    (the member portal, where people are named, not emailed), also each
    actor's and adder's member record in ``organization``, as
    ``members_here``: one query more per page, none per row."""
    lookups = [
        Prefetch(
            "audit_entries",
            queryset=StatusChange.objects.select_related("actor"),
            to_attr="status_history",
        )
    ]
    if names:
        people = scoped(Member, organization).only(
            "id", "organization_id", "user_id", "first_name", "last_name"
        )
        lookups += [
            Prefetch("status_history__actor__members", queryset=people, to_attr="members_here"),
            Prefetch("added_by__members", queryset=people, to_attr="members_here"),
        ]
    return lookups


def status_requests_for_admin(*, user, organization, open_only: bool = True) -> QuerySet:
    """Requests for approval (R8.2) about members at the locations where
    ``user`` may manage customers: the admins' queue (open ones, oldest
    first), and the only ones they may decide (members/actions/approvals.py
    asks the same of the member's location)."""
    requests = scoped(StatusRequest, organization).filter(
        member__location__in=admin_locations(user, organization)
    )
    if open_only:
        requests = requests.filter(decision=StatusRequest.Decision.PENDING)
    return requests.select_related(
        "member", "member__company", "member__location", "requested_by", "decided_by"
    ).order_by("created_at", "pk")


def members_for_admin(*, user, organization) -> QuerySet:
    """Members at the locations where ``user`` may manage customers (R1.2)."""
    queryset = scoped(Member, organization).filter(location__in=admin_locations(user, organization))
    return with_active_membership(queryset).select_related("company", "location", "user")


def member_detail_for_admin(*, user, organization) -> QuerySet:
    return (
        members_for_admin(user=user, organization=organization)
        .select_related("added_by")
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("plan")),
            *history_prefetches(organization=organization),
        )
    )


def member_for_user(*, user, organization) -> Member | None:
    """The member record ``user`` is linked to in ``organization``, if any,
    with its company and location. Not the company's contact and billing
    persons: joining their rows doubled the cost of every member portal
    page, and only the home page shows them."""
    if not user.is_authenticated:
        return None
    # One record per login per organization (a constraint): no ordering to
    # build or sort, as ``first()`` would.
    records = scoped(Member, organization).filter(user=user).select_related("company", "location")
    return next(iter(records.order_by()[:1]), None)


def plans_for_admin(*, user, organization) -> QuerySet:
    """Plans an admin may give: the organization's own, and those of their locations."""
    locations = admin_locations(user, organization)
    return (
        scoped(Plan, organization)
        .filter(Q(location__isnull=True) | Q(location__in=locations))
        .select_related("location")
        .order_by("name", "pk")
    )


def invitations_addressed_to(user) -> QuerySet:
    """Pending invitations this login may accept (issue 10, items 1 and 2):
    to a record already linked to it (invited back after a removal), or
    sent to an address it has proven. Never by the address it merely
    carries. Across organizations: the person sees them after logging in
    and accepts each one themselves."""
    addressed = Q(user_id=user.pk)
    for email in verified_emails(user):
        addressed |= Q(user__isnull=True, email__iexact=email)
    # Across organizations by definition, whatever scope the caller is in.
    return Member.objects.with_scopes_disabled().filter(
        addressed, status=MemberStatus.ACTIVE, portal_access=PortalAccess.PENDING
    )


def invitations_waiting_for(user) -> QuerySet:
    """``invitations_addressed_to`` as the "Invitations waiting for you" page
    lists them: not where this login already has another record (accepting
    would give one person two records; an admin sorts that out)."""
    elsewhere = (
        Member.objects.with_scopes_disabled()
        .filter(user_id=user.pk, organization_id=OuterRef("organization_id"))
        .exclude(pk=OuterRef("pk"))
    )
    return (
        invitations_addressed_to(user)
        .filter(~Exists(elsewhere))
        .select_related("organization", "location", "company")
        .order_by("organization__name", "pk")
    )


def _two_organizations(rows: QuerySet) -> QuerySet:
    return rows.order_by().values_list("organization_id", flat=True).distinct()[:2]


def organization_of_login(user) -> Organization | None:
    """The one organization whose brand ``user``'s login emails carry (the
    sign-in code, a password reset): where it has member records, records
    invited at its address, or admin roles. None when that is no
    organization or several: the email is then in the product's name."""
    if user is None or user.pk is None:
        return None
    # Every organization's rows: a login stands outside any one.
    with scopes_disabled():
        records = Q(user_id=user.pk)
        if user.email:
            records |= Q(email__iexact=user.email)
        # Two distinct organizations are enough to know it is not one; the
        # slice must count organizations, not rows.
        ids = set(_two_organizations(Member.objects.filter(records)))
        ids |= set(_two_organizations(OrganizationAdmin.objects.filter(user_id=user.pk)))
    if len(ids) != 1:
        return None
    return Organization.objects.get(pk=ids.pop())


def company_detail_for_admin(*, user, organization) -> QuerySet:
    """A company's page: its memberships; its team is read a page at a
    time (``members.team_selectors.team_of``)."""
    return company_page_for_admin(user=user, organization=organization).prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("plan")),
    )


def recent_activity(*, user, organization, members_here: int | None = None, limit: int = 15):
    """The audit log's latest entries this admin may read: those about
    members at their locations and, for whoever manages the settings of
    every location, the organization-wide ones (settings, connections,
    admin roles) that concern no member. ``members_here``, the members at
    the admin's locations, if the caller has counted them."""
    locations = admin_locations(user, organization)
    own = Q(member__isnull=True) if can_manage_organization_settings(user, organization) else None
    return _newest(
        AuditEntry.objects.filter(organization=organization),
        own=own,
        members={"organization": organization, "location__in": locations},
        limit=limit,
        how_many=members_here,
    )


#: Entries of a member's or company's timeline shown at once; "Older" asks
#: for the next ones (issue 13, item 5).
TIMELINE_PAGE_SIZE = 20

#: The log's order, newest first: the id breaks a tie of two at one instant.
NEWEST = ("-created_at", "-id")


def _older_than(entries: QuerySet, cursor, *, among: QuerySet | None = None) -> QuerySet:
    """Entries after ``cursor`` (an entry id) in newest-first order: a
    keyset page, so the 50th page costs what the first does. A cursor
    that is not one of ``among`` (by default ``entries``) pages nothing."""
    if not cursor:
        return entries
    try:
        cursor = int(cursor)
    except (TypeError, ValueError):
        return entries.none()
    at = (entries if among is None else among).filter(pk=cursor).values("created_at")[:1]
    return entries.filter(
        Q(created_at__lt=Subquery(at)) | Q(created_at=Subquery(at), pk__lt=cursor)
    )


def _page(entries: QuerySet, cursor) -> tuple[list, int | None]:
    return _rows_and_cursor(
        _older_than(entries, cursor)
        .select_related("actor", "member")
        .order_by(*NEWEST)[: TIMELINE_PAGE_SIZE + 1]
    )


def _rows_and_cursor(page: Iterable) -> tuple[list, int | None]:
    rows = list(page)
    more = len(rows) > TIMELINE_PAGE_SIZE
    rows = rows[:TIMELINE_PAGE_SIZE]
    return rows, (rows[-1].pk if more else None)


def member_timeline(*, member: Member, cursor=None) -> tuple[list, int | None]:
    """Everything recorded about ``member`` (status, access, invitations,
    roles, memberships, resyncs…), newest first, a page at a time: the
    entries and the cursor of the next page (None: no more). The caller
    has already found the member among those the reader may see."""
    entries = AuditEntry.objects.filter(organization_id=member.organization_id, member=member)
    return _page(entries, cursor)


#: From this many members, their entries are a fair share of the
#: organization's history: walking the history newest first
#: (audit_org_timeline) meets a page of them soon. Fewer members' entries
#: are read member by member (audit_member_history) and sorted: the walk
#: read 300,000 entries for a 9-member company's page in a history of a
#: million (500 ms). The crossover is near the square root of twice the
#: organization's members (1,000 members × 10 entries against 21 × 100);
#: docs/directory.md has the measurements.
WALK_FROM_MEMBERS = 500

#: The walk looks at this many of the newest entries at most; a page it has
#: not filled by then is read member by member. Unbounded, a big company
#: whose members had been quiet while the rest of the organization was busy
#: walked the history until it met them: 15,000 entries for the bench's
#: Bigcorp (70 ms), the whole million for a company quiet for long enough.
#: 5,000 entries cost about what reading the smallest walking team's
#: (WALK_FROM_MEMBERS) entries member by member does.
WALK_AT_MOST = 5_000

#: Older than any entry: the walk's bound where the history is shorter.
_BEGINNING = datetime.min.replace(tzinfo=UTC)


def _newest(
    entries: QuerySet, *, own: Q | None, members: dict, limit: int, how_many=None, cursor=None
) -> list[AuditEntry]:
    """Up to ``limit`` of ``entries`` about a member that ``members`` (Member
    lookups) select, or matching ``own`` (None: none), newest first, after
    ``cursor``. Read by walking the history, or member by member when the
    members are few (``how_many``; counted here, up to the threshold, if
    not given) or the walk came back short."""
    about_them = Q(**{f"member__{lookup}": value for lookup, value in members.items()})
    every = entries.filter(about_them if own is None else own | about_them)
    if how_many is None:
        how_many = Member.objects.filter(**members)[:WALK_FROM_MEMBERS].count()
    if how_many >= WALK_FROM_MEMBERS:
        # One query: the horizon (an index-only scan) and the walk to it.
        horizon = (
            _older_than(entries, cursor)
            .order_by("-created_at")
            .values("created_at")[WALK_AT_MOST - 1 : WALK_AT_MOST]
        )
        walked = list(
            _older_than(every, cursor)
            .filter(created_at__gte=Coalesce(Subquery(horizon), Value(_BEGINNING)))
            .select_related("actor", "member")
            .order_by(*NEWEST)[:limit]
        )
        if len(walked) == limit:
            return walked
    their_ids = Member.objects.filter(**members).order_by().values("pk")
    parts = [entries.filter(member__in=their_ids)]
    if own is not None:
        parts.append(entries.filter(own))
    parts = [
        _older_than(part, cursor, among=every).select_related("actor", "member").order_by()
        for part in parts
    ]
    newest = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    return list(newest.order_by(*NEWEST)[:limit])


def company_timeline(*, company, user, cursor=None) -> tuple[list, int | None]:
    """Everything recorded about ``company`` and its members, newest first,
    a page at a time. An entry about a member shows only where ``user``
    manages customers at that member's location (R1.2)."""
    locations = admin_locations(user, company.organization)
    company_type = ContentType.objects.get_for_model(Company)
    readable = Q(member__isnull=True) | Q(member__location__in=locations)
    return _rows_and_cursor(
        _newest(
            AuditEntry.objects.filter(organization_id=company.organization_id),
            own=Q(subject_type=company_type, subject_id=company.pk) & readable,
            members={"company": company, "location__in": locations},
            limit=TIMELINE_PAGE_SIZE + 1,
            cursor=cursor,
        )
    )


# ------------------------------------------------------- admins, switcher, plan


def admins_for_page(*, organization, pk: int | None = None) -> list[OrganizationAdmin]:
    """The organization's admin roles as the admins page lists them, in
    three queries whatever their number: each role with its login, its
    ``grants`` (organizations.permissions.grants_by_user) and ``member``,
    the person's member record here (linked to the login, else the one the
    role was invited with). With ``pk``, that role only."""

    roles = scoped(OrganizationAdmin, organization)
    if pk is not None:
        roles = roles.filter(pk=pk)
    roles = roles.select_related("user", "invited_member")
    roles = list(roles.order_by("-is_owner", "user__email"))
    grants = grants_by_user(roles)
    records = {
        member.user_id: member
        for member in scoped(Member, organization).filter(
            user_id__in=[role.user_id for role in roles]
        )
    }
    for role in roles:
        role.grants = grants[role.user_id]
        role.member = records.get(role.user_id) or role.invited_member
    return roles


def organizations_of_login(user) -> QuerySet:
    """The organizations whose admin portal or member portal ``user`` may
    open (the header's switcher): an active admin role, or a member record
    with portal access. One query, with ``is_admin`` and ``is_member``."""
    admin = OrganizationAdmin.objects.with_scopes_disabled().filter(
        organization_id=OuterRef("pk"), user_id=user.pk, suspended_at__isnull=True
    )
    member = Member.objects.with_scopes_disabled().filter(
        organization_id=OuterRef("pk"),
        user_id=user.pk,
        status=MemberStatus.ACTIVE,
        portal_access=PortalAccess.ACTIVE,
    )
    return (
        Organization.objects.annotate(is_admin=Exists(admin), is_member=Exists(member))
        .filter(Q(is_admin=True) | Q(is_member=True))
        .only("id", "name", "slug")
        .order_by("name", "pk")
    )


def memberships_of(member: Member) -> QuerySet:
    """The member's own memberships and their company's, with their plans
    (the member portal's home page): one query. ``is_current``: active today,
    by the one rule for that (``MembershipQuerySet.active``)."""
    holders = Q(member_id=member.pk)
    if member.company_id is not None:
        holders |= Q(company_id=member.company_id)
    current = Membership.objects.with_scopes_disabled().active().filter(pk=OuterRef("pk"))
    return (
        scoped(Membership, member.organization)
        .filter(holders)
        .annotate(is_current=Exists(current))
        .select_related("plan", "plan__location")
        .order_by("-start_date", "-pk")
    )


# ------------------------------------------------------- whole-team moves


def moving_out(company, location) -> QuerySet:
    """Who moving ``company`` out of ``location`` changes (issue 14, item
    3): its members there not Former already, and Former ones still holding
    portal access."""
    return Member.objects.filter(company=company, location=location).exclude(
        status=MemberStatus.FORMER, portal_access=PortalAccess.NONE
    )


def moving_team(company, location) -> QuerySet:
    """Who moving ``company``'s team from ``location`` moves: everyone of it there."""
    return Member.objects.filter(company=company, location=location)


def holds_admin_role():
    """Members whose person holds an admin role in their organization (a
    filter: the few a move must ask ``admin_role_refusal`` about)."""
    roles = OrganizationAdmin.objects.filter(organization_id=OuterRef("organization_id"))
    return Exists(roles.filter(user_id=OuterRef("user_id"))) | Exists(
        roles.filter(invited_member_id=OuterRef("pk"))
    )


def move_out_refusals(members: QuerySet, *, actor) -> list[tuple[Member, str]]:
    """Who may not be moved out by ``actor``, and why: the rule of every
    status change (members/admin_roles.py). One query, and one per admin
    among them."""
    refusals = []
    for member in members.filter(holds_admin_role()).order_by("first_name", "last_name", "pk"):
        refusal = admin_role_refusal(actor=actor, member=member, role=admin_role_of(member))
        if refusal:
            refusals.append((member, refusal))
    return refusals


def move_team_refusals(members: QuerySet) -> list[tuple[Member, str]]:
    """Whose record is read-only, so not transferred (one query)."""
    return [
        (member, read_only_refusal(member))
        for member in members.filter(portal_access=PortalAccess.DEACTIVATED).order_by(
            "first_name", "last_name", "pk"
        )
    ]


@dataclass
class MovePreview:
    """What a move would do, before it is done (the confirmation page)."""

    members: QuerySet
    count: int
    by_status: dict
    refusals: list
    memberships: int


def move_preview(*, company, location, kind: str, actor) -> MovePreview:
    """Exactly who a move of ``kind`` (``TeamMove.Kind``) changes, in a
    constant number of queries whatever the team's size: the members (a
    queryset for the page to cut), their count by status, who stands in the
    way, and how many memberships moving out ends."""
    if kind == TeamMove.Kind.MOVE_OUT:
        members = moving_out(company, location)
        refusals = move_out_refusals(members, actor=actor)
        memberships = (
            Membership.objects.filter(
                Q(company=company, plan__location=location) | Q(member__in=members.values("pk"))
            )
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate()))
            .count()
        )
    else:
        members = moving_team(company, location)
        refusals = move_team_refusals(members)
        memberships = 0
    by_status = dict(
        members.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return MovePreview(
        members=members.select_related("user").order_by("first_name", "last_name", "pk"),
        count=sum(by_status.values()),
        by_status={MemberStatus(key).label: n for key, n in sorted(by_status.items())},
        refusals=refusals,
        memberships=memberships,
    )


def team_moves_of(company, *, locations) -> QuerySet:
    """The company's moves at ``locations`` (the admin's), newest first."""
    return (
        TeamMove.objects.filter(company=company, from_location__in=locations)
        .select_related("from_location", "to_location", "actor", "undone_by")
        .order_by("-created_at", "-pk")
    )


def unchanged_since(move: TeamMove) -> tuple[list[int], list[int]]:
    """(ids of the members the move changed that nothing changed since, ids
    of those something did): two queries."""
    ids = [int(pk) for pk in move.snapshot.get("members", {})]
    moved_at = datetime.fromisoformat(move.snapshot["moved_at"])
    touched = set(
        AuditEntry.objects.filter(
            member_id__in=ids, pk__gt=move.snapshot.get("last_entry_id", 0)
        ).values_list("member_id", flat=True)
    )
    same = set(
        Member.objects.filter(
            pk__in=ids, updated_at=moved_at, company_id=move.company_id
        ).values_list("pk", flat=True)
    )
    unchanged = [pk for pk in ids if pk in same and pk not in touched]
    return unchanged, [pk for pk in ids if pk not in unchanged]
