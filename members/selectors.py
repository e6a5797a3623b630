"""Reads of members, with everything their pages need fetched up front."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from organizations.permissions import admin_locations
from organizations.scoping import scoped

from .models import Member, Membership, StatusChange


def with_active_membership(queryset: QuerySet) -> QuerySet:
    active = Membership.objects.active().filter(member=OuterRef("pk"))
    return queryset.annotate(has_active_membership=Exists(active))


def members_for_admin(*, user, organization) -> QuerySet:
    """Members at the locations where ``user`` may manage customers (R1.2)."""
    queryset = scoped(Member, organization).filter(location__in=admin_locations(user, organization))
    return with_active_membership(queryset).select_related("company", "location", "user")


def member_detail_for_admin(*, user, organization) -> QuerySet:
    return members_for_admin(user=user, organization=organization).prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("plan")),
        Prefetch("status_changes", queryset=StatusChange.objects.select_related("actor")),
    )


def member_for_user(*, user, organization) -> Member | None:
    """The member record ``user`` is linked to in ``organization``, if any."""
    if not user.is_authenticated:
        return None
    return (
        scoped(Member, organization)
        .filter(user=user)
        .select_related("company", "company__contact_person", "company__billing_person", "location")
        .first()
    )
