"""Reads for team management in the member portal (R2.2, R2.6)."""

from django.db.models import Prefetch, QuerySet

from companies.models import Company
from companies.selectors import companies_managed_by
from organizations.scoping import scoped

from .models import Member, PortalAccess, StatusChange
from .selectors import with_active_membership


def team_of(*, company: Company) -> QuerySet:
    """A company's members with what the My team page shows for each row:
    roles, portal access, active membership and status history."""
    return (
        with_active_membership(scoped(Member, company.organization_id).filter(company=company))
        .select_related("user")
        .prefetch_related(
            Prefetch("status_changes", queryset=StatusChange.objects.select_related("actor"))
        )
        .order_by("first_name", "last_name", "pk")
    )


def members_manageable_by(*, user, organization) -> QuerySet:
    """Members whose status ``user`` may change from the member portal.

    The queryset form of ``TeamPolicy.status_change_refusal(member) is None``:
    in a company they manage, not themselves, no active membership, not
    deactivated.
    """
    members = scoped(Member, organization).filter(
        company__in=companies_managed_by(user=user, organization=organization)
    )
    return (
        with_active_membership(members)
        .filter(has_active_membership=False)
        .exclude(user=user)
        .exclude(portal_access=PortalAccess.DEACTIVATED)
    )
