"""Admin portal: a member's page, status, portal
access, details, transfer and removal (R2.4, R4, R5.1)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import Via
from members.actions.access import (
    member_activate_access,
    member_deactivate_access,
    member_remove_from_location,
    member_transfer,
)
from members.actions.personal_data import ADMIN_FIELDS, PERSONAL_FIELDS, member_update_details
from members.actions.status import member_change_status
from members.admin_roles import admin_role_suspended
from members.forms.details import MemberDetailsForm
from members.forms.status import StatusChangeForm
from members.forms.transfer import TransferForm
from members.login_access import sessions_note
from members.models import MemberStatus, PortalAccess
from members.policy import read_only_refusal
from members.seats import member_seat_usage
from members.selectors import member_detail_for_admin, member_timeline, members_for_admin
from organizations.decorators import admin_portal_view
from organizations.permissions import admin_locations, can_manage_organization_settings

from ._shared import _error_text, _member, _to_member, back_url


@admin_portal_view
def member_detail(request, pk):
    queryset = member_detail_for_admin(user=request.user, organization=request.organization)
    member = get_object_or_404(queryset, pk=pk)
    timeline, cursor = member_timeline(member=member)
    seat_usage = member_seat_usage(member)
    return render(
        request,
        "adminportal/member_detail.html",
        {
            "member": member,
            # Issue 13, item 5: adminportal/_timeline.html
            "timeline": timeline,
            "timeline_more": _timeline_more(request, member, cursor),
            "statuses": MemberStatus.choices,
            # Issue 14: "Seats: 7 of 10 at Harbour" and "Go over the cap".
            "seat_usage": seat_usage,
            # Only someone not Active yet would take a seat.
            "offer_over_seat_cap": seat_usage is not None
            and seat_usage.full
            and member.status != MemberStatus.ACTIVE,
            "back_url": back_url(request),
            # Resync pushes to every connection: the integrations pages' permission.
            "can_manage_integrations": can_manage_organization_settings(
                request.user, request.organization
            ),
        },
    )


def _timeline_more(request, member, cursor) -> str:
    if cursor is None:
        return ""
    url = reverse("adminportal:member_timeline", args=[request.organization.slug, member.pk])
    return f"{url}?before={cursor}"


def _admin_role_note(member) -> str:
    if admin_role_suspended(member):
        return _(" Their admin portal access is suspended too.")
    return ""


@require_POST
@admin_portal_view
def member_access(request, pk, action):
    if action not in ("deactivate", "activate"):
        raise Http404("No such action.")
    member = _member(request, pk)
    try:
        if action == "deactivate":
            member_deactivate_access(member=member, actor=request.user)
            text = _(
                "%(full_name)s's portal access is deactivated and the record "
                "is read-only until you activate it."
            ) % {"full_name": member.full_name}
            text += _admin_role_note(member) + sessions_note(member.user)
            messages.success(request, text)
        else:
            member = member_activate_access(member=member, actor=request.user)
            if member.portal_access == PortalAccess.NONE:
                messages.success(
                    request,
                    _(
                        "%(full_name)s is activated. They had not accepted their "
                        "invitation: invite them again to give them portal access."
                    )
                    % {"full_name": member.full_name},
                )
            else:
                messages.success(
                    request,
                    _("%(full_name)s can use the member portal again.")
                    % {"full_name": member.full_name},
                )
    except ValidationError as invalid:
        messages.error(request, _error_text(invalid))
    return _to_member(request, member)


@require_POST
@admin_portal_view
def member_remove(request, pk):
    member = _member(request, pk)
    refusal = read_only_refusal(member)
    if refusal:
        messages.error(request, refusal)
        return _to_member(request, member)
    try:
        member_remove_from_location(
            member=member, actor=request.user, reason=request.POST.get("reason", "").strip()[:500]
        )
    except ValidationError as invalid:
        messages.error(request, _error_text(invalid))
        return _to_member(request, member)
    text = _(
        "%(full_name)s is removed from %(location)s: now Former, "
        "without portal access. Their memberships and billing stay on"
        " the record."
    ) % {"full_name": member.full_name, "location": member.location.name}
    text += _admin_role_note(member) + sessions_note(member.user)
    messages.success(request, text)
    return _to_member(request, member)


@admin_portal_view
def member_transfer_view(request, pk):
    member = _member(request, pk)
    locations = (
        admin_locations(request.user, request.organization)
        .filter(archived_at__isnull=True)
        .exclude(pk=member.location_id)
    )
    form = TransferForm(request.POST or None, locations=locations)
    refusal = read_only_refusal(member)
    if request.method == "POST" and refusal:
        messages.error(request, refusal)
        return _to_member(request, member)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = member_transfer(
                member=member,
                to_location=form.cleaned_data["to_location"],
                actor=request.user,
                over_seat_cap=form.cleaned_data["over_seat_cap"],
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            text = _("%(full_name)s now belongs to %(to_location)s.") % {
                "full_name": member.full_name,
                "to_location": transfer.to_location.name,
            }
            if transfer.company_cleared:
                text += _(" They left %(company_cleared)s, which is at %(from_location)s.") % {
                    "company_cleared": transfer.company_cleared,
                    "from_location": transfer.from_location.name,
                }
            messages.success(request, text)
            return _to_member(request, member)
    return render(request, "adminportal/member_transfer.html", {"member": member, "form": form})


@admin_portal_view
def member_edit(request, pk):
    member = _member(request, pk)
    refusal = read_only_refusal(member)
    if refusal:
        messages.error(request, refusal)
        return _to_member(request, member)
    initial = {f: getattr(member, f) for f in (*PERSONAL_FIELDS, *ADMIN_FIELDS)}
    form = MemberDetailsForm(request.POST or None, member=member, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        if form.locked:
            # Fields left out of the POST (a read-only input may be omitted)
            # are not changes; anything sent that differs is refused below.
            for name in PERSONAL_FIELDS:
                if name not in request.POST:
                    changes[name] = getattr(member, name)
        try:
            member_update_details(member=member, actor=request.user, **changes)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
            status = 403
        except ValidationError as invalid:
            for field, errors in invalid.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, _("%(full_name)s's record is saved.") % {"full_name": member.full_name}
            )
            return _to_member(request, member)
    return render(
        request, "adminportal/member_edit.html", {"member": member, "form": form}, status=status
    )


@require_POST
@admin_portal_view
def member_status(request, pk):
    member = get_object_or_404(
        members_for_admin(user=request.user, organization=request.organization), pk=pk
    )
    form = StatusChangeForm(request.POST, member=member)
    refusal = read_only_refusal(member)
    if refusal:
        messages.error(request, refusal)
    elif not form.is_valid():
        messages.error(request, form.error_text())
    else:
        had_portal = member.can_use_portal  # before the change, for the message
        try:
            change = member_change_status(
                member=member,
                status=form.cleaned_data["status"],
                actor=request.user,
                via=Via.ADMIN,
                reason=form.cleaned_data["reason"].strip(),
                over_seat_cap=form.cleaned_data["over_seat_cap"],
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
            return redirect("adminportal:member", org_slug=request.organization.slug, pk=member.pk)
        if change is None:
            messages.info(
                request,
                _("%(full_name)s is already %(status)s.")
                % {"full_name": member.full_name, "status": member.get_status_display()},
            )
        else:
            text = _("%(full_name)s is now %(to_status)s.") % {
                "full_name": member.full_name,
                "to_status": change.get_to_status_display(),
            }
            if change.from_status == MemberStatus.ACTIVE and had_portal:
                # Only those who could log in had sessions to end.
                text += sessions_note(member.user)
            messages.success(request, text)
    return redirect("adminportal:member", org_slug=request.organization.slug, pk=member.pk)
