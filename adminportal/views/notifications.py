"""Admin portal: notifications of what contact persons did, to confirm
or revert (R2.7)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from notifications.actions import notification_confirm, notification_revert, notifications_mark_read
from notifications.models import Notification
from organizations.decorators import admin_portal_view
from organizations.permissions import admin_locations

from ._shared import notifications_for

PAGE_SIZE = 50


def _with_facts(queryset):
    return queryset.select_related(
        "location",
        "actor",
        "member",
        "member__company",
        "status_change",
        "status_change__actor",
        "resolved_by",
    )


def _managed_locations(request):
    """Where this admin may still act on a notification: confirm/revert are
    offered, and accepted, only there (one rule for the page and the POST)."""
    return admin_locations(request.user, request.organization)


def _render_notifications(request, template, notifications, **context):
    # One query for the page, not one per row: the locations this admin still
    # manages decide which notifications they can act on and which members
    # they can open (the member rows came with the notifications).
    actionable = set(_managed_locations(request).values_list("pk", flat=True))
    visible = {
        n.member_id for n in notifications if n.member_id and n.member.location_id in actionable
    }
    return render(
        request,
        template,
        {"visible_member_ids": visible, "actionable_location_ids": actionable, **context},
    )


@admin_portal_view
def notifications(request):
    show_all = request.GET.get("show") == "all"
    queryset = _with_facts(notifications_for(request))
    if not show_all:
        queryset = queryset.filter(resolution=Notification.Resolution.OPEN)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render_notifications(
        request,
        "adminportal/notifications.html",
        page.object_list,
        page=page,
        show_all=show_all,
        querystring="show=all" if show_all else "",
    )


@admin_portal_view
def notification_detail(request, pk):
    """One notification, open or resolved: where its email links to."""
    notification = get_object_or_404(_with_facts(notifications_for(request)), pk=pk)
    return _render_notifications(
        request, "adminportal/notification_detail.html", [notification], n=notification
    )


def _actionable(request, pk) -> Notification:
    """A notification addressed to this admin, about a location they still manage."""
    return get_object_or_404(
        notifications_for(request)
        .filter(location__in=_managed_locations(request))
        .select_related("member", "status_change", "status_change__actor"),
        pk=pk,
    )


@require_POST
@admin_portal_view
def notification_confirm_view(request, pk):
    notification = _actionable(request, pk)
    try:
        notification_confirm(notification=notification, actor=request.user)
    except ValidationError as invalid:
        messages.warning(request, " ".join(invalid.messages))
    else:
        messages.success(request, _("Confirmed: %(message)s") % {"message": notification.message})
    return redirect("adminportal:notifications", org_slug=request.organization.slug)


@require_POST
@admin_portal_view
def notification_revert_view(request, pk):
    notification = _actionable(request, pk)
    try:
        revert = notification_revert(notification=notification, actor=request.user)
    except ValidationError as invalid:
        messages.warning(request, " ".join(invalid.messages))
    else:
        messages.success(
            request,
            _(
                "Reverted: %(full_name)s is %(to_status)s again. The revert "
                "is in their status history."
            )
            % {
                "full_name": notification.member.full_name,
                "to_status": revert.get_to_status_display(),
            },
        )
    return redirect("adminportal:notifications", org_slug=request.organization.slug)


@require_POST
@admin_portal_view
def notifications_read(request):
    count = notifications_mark_read(recipient=request.user, organization=request.organization)
    messages.success(
        request,
        ngettext(
            "Marked %(count)s notification as read.",
            "Marked %(count)s notifications as read.",
            count,
        )
        % {"count": count},
    )
    return redirect("adminportal:notifications", org_slug=request.organization.slug)
