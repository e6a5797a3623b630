from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from organizations.permissions import admin_locations
from tenancy.scoping import scoped

from .models import (
    MANAGE_TEAM_GRANTS,
    Company,
    CompanyLocation,
    CompanyUserObjectPermission,
    ContactLocation,
)


def at_locations(queryset: QuerySet, locations) -> QuerySet:
    """Companies that are customers at one of ``locations`` (a lazy
    queryset: a subquery, no duplicate rows)."""
    return queryset.filter(
        Exists(CompanyLocation.objects.filter(company=OuterRef("pk"), location__in=locations))
    )


def visible_locations(locations) -> Prefetch:
    """Each company's locations among ``locations``, as ``visible_locations``:
    an admin sees a company only at the locations they manage (R1.2)."""
    return Prefetch(
        "company_locations",
        queryset=CompanyLocation.objects.filter(location__in=locations).select_related("location"),
        to_attr="visible_locations",
    )


def companies_for_admin(*, user, organization, archived: bool | None = False) -> QuerySet:
    """Companies at the admin's locations; by default not the archived ones
    (``archived=True``: only those, ``None``: both)."""
    locations = admin_locations(user, organization)
    queryset = at_locations(scoped(Company, organization), locations)
    if archived is not None:
        queryset = queryset.filter(archived_at__isnull=not archived)
    return queryset.select_related("contact_person", "billing_person").order_by("name", "pk")


def company_page_for_admin(*, user, organization) -> QuerySet:
    """One company's page: archived or not, with its locations. Its member
    counts are not annotated here: over a 1,000-person team the join cost
    8 ms; ``members.directory.company_member_counts`` counts in 0.5."""
    return (
        companies_for_admin(user=user, organization=organization, archived=None)
        .select_related(None)
        .prefetch_related(
            Prefetch(
                "company_locations", queryset=CompanyLocation.objects.select_related("location")
            ),
        )
    )


def company_ids_managed_by(*, user, organization) -> frozenset[int]:
    """The companies whose team ``user`` may manage from the member portal
    (R2.5), by id.

    Only the object grants count: not groups, not a model-wide permission
    (which would leak every tenant), not superuser status (support staff
    work in Django admin, not in someone's member portal). Read from
    guardian's table directly: ``get_objects_for_user`` looked up the
    permission's content type first and cost My team twice as much. The
    organization's setting is not re-checked here: switching it off revokes
    the grants in the same transaction, and members/policy.py's TeamPolicy
    is where the rule is read.
    """
    if not user.is_authenticated:
        return frozenset()
    grants = CompanyUserObjectPermission.objects.filter(
        MANAGE_TEAM_GRANTS,
        user=user,
        content_object__organization=organization,
        content_object__archived_at__isnull=True,
    )
    return frozenset(grants.values_list("content_object_id", flat=True))


def linked_location_ids(*, member_id) -> frozenset[int]:
    """The locations a contact is linked to (seed 004); empty: the whole company."""
    return frozenset(
        ContactLocation.objects.filter(member_id=member_id).values_list("location_id", flat=True)
    )


def companies_in_directory(*, user, organization, archived: bool = False) -> QuerySet:
    """The directory's Companies tab: like ``companies_for_admin`` without
    the member counts, which would be counted over every company before
    paging; ``members.directory.company_member_counts`` counts one page's."""
    locations = admin_locations(user, organization)
    return companies_for_admin(
        user=user, organization=organization, archived=archived
    ).prefetch_related(visible_locations(locations))
