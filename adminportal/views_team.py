"""Admin portal side of team management: change any member's status, add a
member to a company (R2.4), and review what contact persons did (R2.7)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.models import Via
from companies.selectors import companies_for_admin
from members.actions.records import member_create
from members.actions.roles import company_update_roles
from members.actions.status import member_change_status
from members.login_access import sessions_note
from members.models import MemberStatus
from members.policy import read_only_refusal
from members.selectors import company_detail_for_admin, members_for_admin
from members.team_forms import CompanyRolesForm, NewTeamMemberForm, StatusChangeForm
from notifications.actions import notification_confirm, notification_revert, notifications_mark_read
from notifications.models import Notification
from organizations.decorators import admin_portal_view
from organizations.permissions import admin_locations

PAGE_SIZE = 50


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
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
            return redirect("adminportal:member", org_slug=request.organization.slug, pk=member.pk)
        if change is None:
            messages.info(request, f"{member.full_name} is already {member.get_status_display()}.")
        else:
            text = f"{member.full_name} is now {change.get_to_status_display()}."
            if change.from_status == MemberStatus.ACTIVE and had_portal:
                # Only those who could log in had sessions to end.
                text += sessions_note(member.user)
            messages.success(request, text)
    return redirect("adminportal:member", org_slug=request.organization.slug, pk=member.pk)


@admin_portal_view
def company_add_member(request, pk):
    company = get_object_or_404(
        companies_for_admin(user=request.user, organization=request.organization), pk=pk
    )
    form = NewTeamMemberForm(request.POST if request.method == "POST" else None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            member = member_create(
                organization=request.organization,
                location=company.location,
                company=company,
                actor=request.user,
                via=Via.ADMIN,
                **form.cleaned_data,
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(
                request,
                f"{member.full_name} is now on {company.name}'s team as "
                f"{member.get_status_display()}.",
            )
            return redirect("adminportal:company", org_slug=request.organization.slug, pk=pk)
    return render(
        request, "adminportal/company_add_member.html", {"company": company, "form": form}
    )


@require_POST
@admin_portal_view
def company_roles(request, pk):
    company = get_object_or_404(
        company_detail_for_admin(user=request.user, organization=request.organization), pk=pk
    )
    form = CompanyRolesForm(request.POST, company=company)
    if form.is_valid():
        try:
            company_update_roles(company=company, actor=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            messages.error(request, " ".join(invalid.messages))
        else:
            messages.success(
                request,
                f"Roles at {company.name} saved. Who may manage the team from the member "
                "portal changed with them.",
            )
            return redirect("adminportal:company", org_slug=request.organization.slug, pk=pk)
    else:
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect("adminportal:company", org_slug=request.organization.slug, pk=pk)


def _my_notifications(request):
    return Notification.objects.filter(recipient=request.user, organization=request.organization)


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
    queryset = _with_facts(_my_notifications(request))
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
    notification = get_object_or_404(_with_facts(_my_notifications(request)), pk=pk)
    return _render_notifications(
        request, "adminportal/notification_detail.html", [notification], n=notification
    )


def _actionable(request, pk) -> Notification:
    """A notification addressed to this admin, about a location they still manage."""
    return get_object_or_404(
        _my_notifications(request)
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
        messages.success(request, f"Confirmed: {notification.message}")
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
            f"Reverted: {notification.member.full_name} is {revert.get_to_status_display()} "
            "again. The revert is in their status history.",
        )
    return redirect("adminportal:notifications", org_slug=request.organization.slug)


@require_POST
@admin_portal_view
def notifications_read(request):
    count = notifications_mark_read(recipient=request.user, organization=request.organization)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect("adminportal:notifications", org_slug=request.organization.slug)
