from django.db.models import Count, Prefetch, Q, QuerySet

from members.models import Member, Membership
from members.selectors import with_active_membership
from organizations.permissions import admin_locations
from organizations.scoping import scoped

from .models import Company


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


def company_detail_for_admin(*, user, organization) -> QuerySet:
    team = with_active_membership(Member.objects.select_related("user"))
    return companies_for_admin(user=user, organization=organization).prefetch_related(
        Prefetch("members", queryset=team),
        Prefetch("memberships", queryset=Membership.objects.select_related("plan")),
    )
