"""Reads for team management in the member portal (R2.2, R2.6)."""

from django.db.models import QuerySet

from companies.models import Company
from tenancy.scoping import scoped

from .models import Member
from .selectors import history_prefetches, with_active_membership


def team_of(*, company: Company) -> QuerySet:
    """A company's members with what the My team page shows for each row:
    roles, portal access, active membership and status history."""
    return (
        with_active_membership(scoped(Member, company.organization_id).filter(company=company))
        .select_related("user", "added_by")
        .prefetch_related(*history_prefetches(organization=company.organization_id, names=True))
        .order_by("first_name", "last_name", "pk")
    )
