"""Who may set up plans, and which plan a membership may be on (issue 13).

Locations' own rules are ``organizations.permissions`` (floor 0); these
need plans, which are members' records.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from companies.models import Company, CompanyLocation
from organizations.models import Location
from organizations.permissions import (
    can_manage_location_settings,
    can_manage_organization_settings,
    location_settings_ids,
)
from tenancy.scoping import scoped

from .models import Plan


def can_manage_plan(user, plan: Plan) -> bool:
    """Edit or archive ``plan``: its location's settings. A plan from before
    plans had a location is offered everywhere: the organization's settings."""
    if plan.location_id is None:
        return can_manage_organization_settings(user, plan.organization)
    return can_manage_location_settings(user, plan.location)


def plan_manager_check(user, organization):
    """``can_manage_plan`` for every row of a list, with one query."""
    ids = location_settings_ids(user, organization)
    everywhere = None

    def check(plan: Plan) -> bool:
        nonlocal everywhere
        if plan.location_id is not None:
            return plan.location_id in ids
        if everywhere is None:
            everywhere = can_manage_organization_settings(user, organization)
        return everywhere

    return check


def holder_locations(holder) -> QuerySet:
    """Where a membership of ``holder`` may be: a member's location, or
    each location a company is a customer at (issue 13, item 2)."""
    if isinstance(holder, Company):
        at = CompanyLocation.objects.filter(company_id=holder.pk).values("location_id")
        return Location.objects.filter(pk__in=at)
    return Location.objects.filter(pk=holder.location_id)


def plans_offered(holder, *, keeping: int | None = None) -> QuerySet:
    """Plans a new membership of ``holder`` (a member or a company) may be
    on: not archived, at the holder's location (or offered everywhere).
    ``keeping``: a plan a membership is on already, offered whatever it is now."""
    offered = Q(archived_at__isnull=True) & (
        Q(location__isnull=True)
        | Q(location__in=holder_locations(holder), location__archived_at__isnull=True)
    )
    if keeping is not None:
        offered |= Q(pk=keeping)
    return (
        scoped(Plan, holder.organization_id)
        .filter(offered)
        .select_related("location")
        .order_by("name", "pk")
    )


def plan_refusal(plan: Plan | None, holder) -> str | None:
    """Why ``holder`` may not be put on ``plan`` now, or None."""
    if plan is None or plan.organization_id != holder.organization_id:
        return _("Choose one of the plans offered here.")
    if plan.is_archived:
        return _("The plan %(name)s is archived.") % {"name": plan.name}
    if (
        plan.location_id is not None
        and not holder_locations(holder).filter(pk=plan.location_id).exists()
    ):
        return _("The plan %(name)s is offered at another location.") % {"name": plan.name}
    if plan.location_id is not None and plan.location.is_archived:
        return _("%(name)s is archived.") % {"name": plan.location.name}
    return None
