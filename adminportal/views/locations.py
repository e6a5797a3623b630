"""Admin portal: the organization's locations (issue 13, item 1).

Every admin may read the list (names, addresses and groups are no
customer's data); creating one is for owners and admins who manage
settings at every location; editing and archiving one, for whoever
manages settings there (organizations/permissions.py).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.actions.locations import (
    LOCATION_FIELDS,
    location_archive,
    location_create,
    location_update,
)
from members.forms.setup import LocationForm
from members.models import MemberStatus
from organizations.decorators import admin_portal_view
from organizations.models import Location
from organizations.permissions import (
    can_create_location,
    can_manage_location_settings,
    location_settings_ids,
)
from tenancy.scoping import get_in_org_or_404, scoped

from ..setup_lists import search_text, setup_page
from ._shared import _error_text, forbidden


def _to_list(request):
    return redirect("adminportal:locations", org_slug=request.organization.slug)


@admin_portal_view
def locations(request):
    organization = request.organization
    q = search_text(request)
    rows = scoped(Location, organization)
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(address__icontains=q))
    page, querystring = setup_page(
        request,
        rows.annotate(
            active_members=Count("members", filter=Q(members__status=MemberStatus.ACTIVE))
        ).order_by("archived_at", "name", "pk"),
    )
    manageable = location_settings_ids(request.user, organization)
    for location in page.object_list:
        location.manageable = location.pk in manageable and not location.is_archived
    return render(
        request,
        "adminportal/locations.html",
        {
            "locations": page.object_list,
            "page": page,
            "q": q,
            "querystring": querystring,
            "can_create": can_create_location(request.user, organization),
        },
    )


def _form_values(form) -> dict:
    return {field: form.cleaned_data[field] for field in LOCATION_FIELDS}


@admin_portal_view
def location_new(request):
    organization = request.organization
    if not can_create_location(request.user, organization):
        return forbidden(request, _("Creating a location needs “Manage settings” everywhere."))
    form = LocationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            location = location_create(
                organization=organization, actor=request.user, **_form_values(form)
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(request, _("%(name)s is created.") % {"name": location.name})
            return _to_list(request)
    return render(request, "adminportal/location_form.html", {"form": form, "location": None})


def _location(request, pk) -> Location:
    return get_in_org_or_404(Location, request.organization, pk=pk)


@admin_portal_view
def location_edit(request, pk):
    location = _location(request, pk)
    if not can_manage_location_settings(request.user, location):
        return forbidden(
            request, _("Changing %(name)s needs “Manage settings” there.") % {"name": location.name}
        )
    if location.is_archived:
        messages.error(
            request, _("%(name)s is archived: it cannot be changed.") % {"name": location.name}
        )
        return _to_list(request)
    initial = {field: getattr(location, field) for field in LOCATION_FIELDS}
    form = LocationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = location_update(location=location, actor=request.user, **_form_values(form))
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            if changed:
                messages.success(request, _("%(name)s is saved.") % {"name": location.name})
            else:
                messages.info(request, _("Nothing changed."))
            return _to_list(request)
    return render(request, "adminportal/location_form.html", {"form": form, "location": location})


@require_POST
@admin_portal_view
def location_archive_view(request, pk):
    location = _location(request, pk)
    if not can_manage_location_settings(request.user, location):
        return forbidden(
            request,
            _("Archiving %(name)s needs “Manage settings” there.") % {"name": location.name},
        )
    try:
        location_archive(location=location, actor=request.user)
    except ValidationError as invalid:
        messages.error(request, _error_text(invalid))
    else:
        messages.success(
            request,
            _("%(name)s is archived: its records stay, and it is offered for nothing new.")
            % {"name": location.name},
        )
    return _to_list(request)
