"""Admin portal: the organization's admins and their permissions per
location (R1.2). Every admin may read the list; inviting and changing
admins follows organizations.permissions.admin_change_refusal, asked by the
actions in members/actions/admins.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from members.actions.admins import (
    admin_invite,
    admin_remove,
    admin_restore,
    admin_set_permissions,
    admin_suspend,
)
from members.forms.admins import AdminInviteForm, PermissionsForm
from members.selectors import admins_for_page
from organizations.decorators import admin_portal_view
from organizations.models import Location, OrganizationAdmin
from organizations.permissions import (
    ADMIN_PERMISSIONS,
    MANAGE_ADMINS,
    admin_locations,
    changeable_grants,
    grant_label,
    may_manage_admins,
)
from tenancy.scoping import scoped

from ..setup_lists import search_text, setup_page
from ._shared import _error_text


def _refused(request, refusal: str):
    return render(request, "adminportal/admins_refused.html", {"refusal": refusal}, status=403)


def _not_a_manager(request):
    return _refused(
        request,
        _(
            "Inviting and changing admins needs the “Manage admins” permission. Ask an owner "
            "to grant it."
        ),
    )


def _managed_locations(request) -> list[Location]:
    """Where this admin changes admins: every location for an owner."""
    return list(admin_locations(request.user, request.organization, MANAGE_ADMINS))


def _role(request, pk) -> OrganizationAdmin:
    """An admin role of this organization; any other id is a 404."""
    return get_object_or_404(
        scoped(OrganizationAdmin, request.organization).select_related("user", "organization"),
        pk=pk,
    )


def _by_location(role, locations) -> list[tuple[Location, list[str]]]:
    """What ``role`` holds at each location, in words."""
    return [
        (location, [grant_label(p) for p in ADMIN_PERMISSIONS if (p, location.pk) in role.grants])
        for location in locations
    ]


def _to_list(request):
    return redirect("adminportal:admins", org_slug=request.organization.slug)


@admin_portal_view
def admins(request):
    organization = request.organization
    q = search_text(request)
    roles = admins_for_page(organization=organization)
    if q:
        # An organization has tens of admins, not thousands: matched as read.
        wanted = q.casefold()
        roles = [
            role
            for role in roles
            if wanted in role.user.email.casefold()
            or (role.member is not None and wanted in role.member.full_name.casefold())
        ]
    page, querystring = setup_page(request, roles)
    locations = list(scoped(Location, organization).order_by("name", "pk"))
    for role in page.object_list:
        role.by_location = _by_location(role, locations)
    return render(
        request,
        "adminportal/admins.html",
        {
            "roles": page.object_list,
            "page": page,
            "q": q,
            "querystring": querystring,
            "locations": locations,
            "may_manage": may_manage_admins(request.user, organization),
        },
    )


@admin_portal_view
def admin_detail(request, pk):
    # The role with its grants and member record, as the list reads them.
    found = admins_for_page(organization=request.organization, pk=pk)
    if not found:
        raise Http404("No such admin here.")
    role = found[0]
    if not may_manage_admins(request.user, request.organization):
        return _not_a_manager(request)
    locations = _managed_locations(request)
    actor_role = request.admin_role
    form = PermissionsForm(
        request.POST if request.method == "POST" else None,
        locations=locations,
        changeable=changeable_grants(actor_role, locations),
        grants=role.grants,
        owner_field=actor_role.is_owner,
        is_owner=role.is_owner,
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            changed = admin_set_permissions(
                role=role,
                actor=request.user,
                locations=locations,
                grants=form.grants(),
                is_owner=form.cleaned_data.get("is_owner") if actor_role.is_owner else None,
            )
        except PermissionDenied as refused:
            form.add_error(None, str(refused))
            status = 403
        else:
            messages.success(request, _("Permissions saved.") if changed else _("Nothing changed."))
            return redirect("adminportal:admin", org_slug=request.organization.slug, pk=role.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "adminportal/admin_detail.html",
        {
            "role": role,
            "form": form,
            "by_location": _by_location(role, scoped(Location, request.organization)),
            "is_self": role.user_id == request.user.pk,
        },
        status=status,
    )


@admin_portal_view
def admin_invite_view(request):
    organization = request.organization
    if not may_manage_admins(request.user, organization):
        return _not_a_manager(request)
    locations = _managed_locations(request)
    actor_role = request.admin_role
    form = AdminInviteForm(
        request.POST if request.method == "POST" else None,
        locations=locations,
        changeable=changeable_grants(actor_role, locations),
        owner_field=actor_role.is_owner,
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            role = admin_invite(
                organization=organization,
                actor=request.user,
                location=data["location"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                grants=form.grants(),
                is_owner=bool(data.get("is_owner")),
            )
        except ValidationError as invalid:
            if hasattr(invalid, "error_dict"):
                for field, errors in invalid.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, invalid)
            status = 400
        except PermissionDenied as refused:
            form.add_error(None, str(refused))
            status = 403
        else:
            messages.success(
                request,
                _(
                    "%(email)s is an admin now. If they do not use the portal yet, an "
                    "invitation is on its way; the role opens once they accept it."
                )
                % {"email": data["email"]},
            )
            return redirect("adminportal:admin", org_slug=organization.slug, pk=role.pk)
    elif request.method == "POST":
        status = 400
    return render(request, "adminportal/admin_invite.html", {"form": form}, status=status)


ROLE_ACTIONS = {
    "suspend": (
        admin_suspend,
        gettext_lazy("The admin role is suspended: their admin portal is closed."),
    ),
    "restore": (admin_restore, gettext_lazy("The admin role is restored as it was.")),
    "remove": (
        admin_remove,
        gettext_lazy("The admin role is removed. Their member record stays."),
    ),
}


@require_POST
@admin_portal_view
def admin_role_action(request, pk, action):
    role = _role(request, pk)
    if action not in ROLE_ACTIONS:
        raise Http404("No such action.")
    if not may_manage_admins(request.user, request.organization):
        return _not_a_manager(request)
    act, done = ROLE_ACTIONS[action]
    try:
        act(role=role, actor=request.user)
    except PermissionDenied as refused:
        return _refused(request, str(refused))
    except ValidationError as invalid:
        messages.error(request, _error_text(invalid))
        return redirect("adminportal:admin", org_slug=request.organization.slug, pk=role.pk)
    messages.success(request, done)
    if action == "remove":
        return _to_list(request)
    return redirect("adminportal:admin", org_slug=request.organization.slug, pk=role.pk)
