"""Admin portal: plans (issue 13, item 3).

Every admin may read the list (they put members on plans); creating,
editing and archiving a plan needs "manage settings" at its location
(members/space_policy.py).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.actions.plans import PLAN_FIELDS, plan_archive, plan_create, plan_update
from members.forms.setup import PlanForm
from members.models import Plan
from members.space_policy import can_manage_plan, plan_manager_check
from organizations.decorators import admin_portal_view
from organizations.permissions import MANAGE_SETTINGS, admin_locations
from tenancy.scoping import get_in_org_or_404, scoped

from ..setup_lists import search_text, setup_page
from ._shared import _error_text, forbidden


def _to_list(request):
    return redirect("adminportal:plans", org_slug=request.organization.slug)


def _creatable_at(request):
    """Where this admin may create plans: open locations whose settings they manage."""
    return admin_locations(request.user, request.organization, MANAGE_SETTINGS).filter(
        archived_at__isnull=True
    )


@admin_portal_view
def plans(request):
    q = search_text(request)
    rows = scoped(Plan, request.organization)
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(location__name__icontains=q))
    page, querystring = setup_page(
        request,
        rows.select_related("location").order_by("archived_at", "location__name", "name", "pk"),
    )
    may_manage = plan_manager_check(request.user, request.organization)
    for plan in page.object_list:
        plan.manageable = not plan.is_archived and may_manage(plan)
    return render(
        request,
        "adminportal/plans.html",
        {
            "plans": page.object_list,
            "page": page,
            "q": q,
            "querystring": querystring,
            "can_create": _creatable_at(request).exists(),
        },
    )


def _values(form) -> dict:
    return {field: form.cleaned_data[field] for field in PLAN_FIELDS}


@admin_portal_view
def plan_new(request):
    locations = _creatable_at(request).order_by("name", "pk")
    if not locations.exists():
        return forbidden(request, _("Creating a plan needs “Manage settings” at a location."))
    form = PlanForm(request.POST or None, locations=locations)
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_create(
                organization=request.organization,
                location=form.cleaned_data["location"],
                actor=request.user,
                **_values(form),
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(request, _("The plan %(name)s is created.") % {"name": plan.name})
            return _to_list(request)
    return render(request, "adminportal/plan_form.html", {"form": form, "plan": None})


def _plan(request, pk) -> Plan:
    return get_in_org_or_404(Plan.objects.select_related("location"), request.organization, pk=pk)


@admin_portal_view
def plan_edit(request, pk):
    plan = _plan(request, pk)
    if not can_manage_plan(request.user, plan):
        return forbidden(request, _("Changing this plan needs “Manage settings” at its location."))
    if plan.is_archived:
        messages.error(
            request, _("The plan %(name)s is archived: it cannot be changed.") % {"name": plan.name}
        )
        return _to_list(request)
    initial = {field: getattr(plan, field) for field in PLAN_FIELDS}
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = plan_update(plan=plan, actor=request.user, **_values(form))
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            if changed:
                messages.success(request, _("The plan %(name)s is saved.") % {"name": plan.name})
            else:
                messages.info(request, _("Nothing changed."))
            return _to_list(request)
    return render(request, "adminportal/plan_form.html", {"form": form, "plan": plan})


@require_POST
@admin_portal_view
def plan_archive_view(request, pk):
    plan = _plan(request, pk)
    if not can_manage_plan(request.user, plan):
        return forbidden(request, _("Archiving this plan needs “Manage settings” at its location."))
    try:
        plan_archive(plan=plan, actor=request.user)
    except ValidationError as invalid:
        messages.error(request, _error_text(invalid))
    else:
        messages.success(
            request,
            _("The plan %(name)s is archived: its memberships run on; nobody new joins it.")
            % {"name": plan.name},
        )
    return _to_list(request)
