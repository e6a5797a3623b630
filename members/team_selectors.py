"""Reads for team management in the member portal (R2.2, R2.6) and a
company's team in the admin portal: a page of the team at a time, a
member's history when it is opened (issue 12, item 6)."""

from django.db.models import OuterRef, Q, QuerySet, Subquery

from companies.models import Company
from tenancy.scoping import scoped

from .models import Member, StatusRequest
from .selectors import history_prefetches, with_active_membership

#: Rows of a team shown at once; the rest are a page or a search away.
TEAM_PAGE_SIZE = 50
#: Matches a search-as-you-type field offers at once.
PICK_LIMIT = 10


def _at(queryset: QuerySet, locations) -> QuerySet:
    """Only the team at ``locations`` (None: at every location): a
    location-limited admin, or a contact linked to specific locations
    (seed 004), sees and manages the members there only."""
    return queryset if locations is None else queryset.filter(location__in=locations)


def team_of(*, company: Company, locations=None) -> QuerySet:
    """A company's members with what the My team page shows for each row:
    roles, portal access and active membership. Not their history: that
    is read when a row's history is opened (``team_member_history``)."""
    team = _at(scoped(Member, company.organization_id).filter(company=company), locations)
    return (
        with_active_membership(team)
        .annotate(awaiting_status=_awaiting_status())
        .select_related("user", "added_by", "location")
        .order_by("first_name", "last_name", "pk")
    )


#: The member's columns My team's rows read (portal/team_rows.py and the
#: TeamPolicy answers it shows): not the login, nor who added them.
PORTAL_ROW_READS = (
    "organization_id",
    "company_id",
    "location_id",
    "location__name",
    "user_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "show_email",
    "show_phone",
    "status",
    "portal_access",
    "is_manager",
)

#: The member's columns a company page's team rows show.
ADMIN_ROW_READS = (
    "organization_id",
    "company_id",
    "location_id",
    "location__name",
    "first_name",
    "last_name",
    "status",
    "portal_access",
    "is_manager",
    "invited_at",
    "first_login_at",
)


def rows_of(team: QuerySet, reads: tuple[str, ...]) -> QuerySet:
    """``team`` (``team_of``) reading only the columns a page's rows show:
    a page of 50 built three model instances a row, two of them never read."""
    return team.select_related(None).select_related("location").only(*reads)


def _awaiting_status():
    """The status a contact person asked for and an admin has not decided
    yet (R8.2), or None: a subquery, so a page of rows costs no more."""
    return Subquery(
        StatusRequest.objects.filter(
            member=OuterRef("pk"), decision=StatusRequest.Decision.PENDING
        ).values("to_status")[:1]
    )


def team_member_history(*, company: Company, locations=None) -> QuerySet:
    """One member of the team with their status history, names for the
    member portal (the actors' member records) included."""
    return (
        _at(scoped(Member, company.organization_id).filter(company=company), locations)
        .select_related("added_by")
        .prefetch_related(*history_prefetches(organization=company.organization_id, names=True))
    )


def matching(queryset: QuerySet, search: str, *, emails: bool) -> QuerySet:
    """Members whose name (and, where the reader may see addresses, email)
    holds every word of ``search``. The member portal searches names only:
    a contact person must not find out an address a member hides (R5.2)."""
    for word in search.split()[:5]:
        words = Q(first_name__icontains=word) | Q(last_name__icontains=word)
        if emails:
            words |= Q(email__icontains=word)
        queryset = queryset.filter(words)
    return queryset
