from django.db.models import Count, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from organizations.permissions import admin_locations
from tenancy.scoping import scoped

from .models import MANAGE_TEAM, Company


def companies_for_admin(*, user, organization) -> QuerySet:
    return (
        scoped(Company, organization)
        .filter(location__in=admin_locations(user, organization))
        .select_related("location", "contact_person", "billing_person")
        .annotate(
            member_count=Count("members", distinct=True),
            active_member_count=Count("members", filter=Q(members__status="active"), distinct=True),
        )
        .order_by("name", "pk")
    )


def companies_managed_by(*, user, organization) -> QuerySet:
    """Companies whose team ``user`` may manage from the member portal (R2.5).

    Lazy, so it can sit inside another filter as a subquery. Only the
    object grants count: not groups, not a model-wide permission (which would
    leak every tenant), not superuser status (support staff work in Django
    admin, not in someone's member portal). The organization's setting is
    not re-checked here: switching it off revokes the grants in the same
    transaction, and members/policy.py's TeamPolicy is where the rule is read.
    """
    if not user.is_authenticated:
        return Company.objects.none()
    return get_objects_for_user(
        user,
        MANAGE_TEAM,
        klass=scoped(Company, organization),
        use_groups=False,
        with_superuser=False,
        accept_global_perms=False,
    )


def companies_in_directory(*, user, organization) -> QuerySet:
    """The directory's Companies tab: like ``companies_for_admin`` without
    the member counts, which would be counted over every company before
    paging; ``members.directory.company_member_counts`` counts one page's."""
    return (
        scoped(Company, organization)
        .filter(location__in=admin_locations(user, organization))
        .select_related("location", "contact_person", "billing_person")
    )
