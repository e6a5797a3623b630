"""Admin portal: invitations, requests to join, portal access, removal and
transfer, member details and attachments (R4, R5.1)."""

import time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.models import Via
from companies.selectors import companies_for_admin
from members.actions.access import (
    member_activate_access,
    member_deactivate_access,
    member_remove_from_location,
    member_transfer,
)
from members.actions.invitations import (
    invitation_resend,
    member_invite,
    member_invite_new,
    resend_note,
)
from members.actions.join_requests import join_request_approve, join_request_reject
from members.actions.mass_invite import (
    errors_csv,
    id_lookups,
    mass_invite,
    parse_rows,
    paste_fingerprint,
)
from members.actions.personal_data import (
    ADMIN_FIELDS,
    PERSONAL_FIELDS,
    attachment_add,
    attachment_delete,
    member_update_details,
)
from members.admin_roles import admin_role_suspended
from members.forms_invitations import (
    AttachmentForm,
    InviteForm,
    MassInviteForm,
    MemberDetailsForm,
    TransferForm,
)
from members.login_access import sessions_note
from members.models import Attachment, Invitation, JoinRequest, Member, PortalAccess
from members.policy import read_only_refusal
from members.selectors import members_for_admin
from organizations.decorators import admin_portal_view
from organizations.permissions import admin_locations
from organizations.scoping import scoped

PREVIEW_VALID_ROWS = 50
INVITATIONS_PAGE_SIZE = 100
#: A paste of 10,000 bad rows would be a page of megabytes: the page shows
#: this many errors, and offers all of them as CSV.
PREVIEW_ERROR_ROWS = 200


def _member(request, pk) -> Member:
    """A member at one of the admin's locations; anything else is a 404."""
    return get_object_or_404(
        members_for_admin(user=request.user, organization=request.organization), pk=pk
    )


def _admin_role_note(member) -> str:
    if admin_role_suspended(member):
        return " Their admin portal access is suspended too."
    return ""


def _to_member(request, member):
    return redirect("adminportal:member", org_slug=request.organization.slug, pk=member.pk)


def _error_text(invalid) -> str:
    return " ".join(invalid.messages) if isinstance(invalid, ValidationError) else str(invalid)


# ------------------------------------------------------------ invite one


@admin_portal_view
def invite(request):
    org = request.organization
    locations = admin_locations(request.user, org)
    form = InviteForm(
        request.POST or None,
        locations=locations,
        companies=companies_for_admin(user=request.user, organization=org),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = member_invite_new(
                organization=org,
                location=data["location"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                phone=data["phone"],
                company=data["company"],
                is_manager=data["is_manager"],
                actor=request.user,
                as_admin=data["as_admin"],
                admin_permissions=tuple(data["admin_permissions"]),
                admin_location_list=tuple(data["admin_locations"]),
            )
        except ValidationError as invalid:
            if hasattr(invalid, "error_dict"):
                for field, errors in invalid.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, invalid)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            messages.success(
                request,
                f"Invitation sent to {member.email}. The link works for 24 hours; "
                "you can resend it from their profile while it is pending.",
            )
            return _to_member(request, member)
    return render(request, "adminportal/invite.html", {"form": form})


@require_POST
@admin_portal_view
def member_invite_view(request, pk):
    member = _member(request, pk)
    try:
        member_invite(member=member, actor=request.user, via=Via.ADMIN)
    except ValidationError as invalid:
        messages.error(request, _error_text(invalid))
    else:
        messages.success(request, f"Invitation sent to {member.email}.")
    return _to_member(request, member)


@require_POST
@admin_portal_view
def invitation_resend_view(request, pk):
    member = _member(request, pk)
    try:
        invitation_resend(member=member, actor=request.user)
    except ValidationError as invalid:
        messages.error(request, _error_text(invalid))
    else:
        messages.success(request, resend_note(member))
    return _to_member(request, member)


@admin_portal_view
def invitations_list(request):
    pending = (
        members_for_admin(user=request.user, organization=request.organization)
        .filter(portal_access=PortalAccess.PENDING)
        .order_by("-invited_at", "pk")
        .prefetch_related(
            Prefetch("invitations", queryset=Invitation.objects.order_by("-created_at", "-id"))
        )
    )
    page = Paginator(pending, INVITATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "adminportal/invitations.html", {"pending": page, "page": page})


@admin_portal_view
def invitation_detail(request, pk):
    invitation = get_object_or_404(
        scoped(Invitation, request.organization)
        .filter(member__in=members_for_admin(user=request.user, organization=request.organization))
        .select_related("member", "invited_by"),
        pk=pk,
    )
    return render(request, "adminportal/invitation_detail.html", {"invitation": invitation})


# ------------------------------------------------------------ mass invite


def _mass_invite(request, *, company=None):
    org = request.organization
    locations = None if company else admin_locations(request.user, org)
    form = MassInviteForm(request.POST or None, locations=locations)
    preview = None
    # The IDs the paste's columns refer to: shown, so nobody has to guess
    # them, and checked against.
    lookups = id_lookups(user=request.user, organization=org)
    context = {
        "form": form,
        "company": company,
        "id_companies": [] if company else lookups[0],
        "id_plans": lookups[1],
    }
    if request.method == "POST" and form.is_valid():
        started = time.monotonic()
        try:
            preview = parse_rows(
                form.cleaned_data["rows"],
                organization=org,
                user=request.user,
                location=form.cleaned_data.get("location"),
                company=company,
                lookups=lookups,
            )
        except ValidationError as invalid:
            form.add_error("rows", invalid)
        else:
            action = request.POST.get("action")
            fingerprint = paste_fingerprint(
                form.cleaned_data["rows"],
                location_id=getattr(form.cleaned_data.get("location"), "pk", None),
                company_id=getattr(company, "pk", None),
            )
            if action == "errors" and preview.invalid:
                response = HttpResponse(errors_csv(preview), content_type="text/csv")
                response["Content-Disposition"] = 'attachment; filename="rows-with-errors.csv"'
                return response
            if action == "invite" and request.POST.get("previewed") != fingerprint:
                messages.warning(
                    request,
                    "The rows changed since the preview, so nobody was invited yet. Check "
                    "this preview, then press Invite.",
                )
            elif action == "invite" and preview.valid:
                try:
                    members = mass_invite(organization=org, actor=request.user, rows=preview.valid)
                except ValidationError as invalid:
                    # Its own words: e.g. a location the admin no longer manages.
                    form.add_error("rows", invalid)
                except IntegrityError:
                    form.add_error(
                        "rows",
                        "Someone else added one of these people meanwhile. Preview again "
                        "to see which rows are still new.",
                    )
                else:
                    skipped = len(preview.invalid)
                    text = f"Invited {len(members):,} people; invitation emails are on their way."
                    if skipped:
                        text += f" {skipped:,} rows with errors were not invited."
                    messages.success(request, text)
                    if company:
                        return redirect("adminportal:company", org_slug=org.slug, pk=company.pk)
                    return redirect("adminportal:home", org_slug=org.slug)
            context.update(
                preview=preview,
                fingerprint=fingerprint,
                shown_valid=preview.valid[:PREVIEW_VALID_ROWS],
                shown_invalid=preview.invalid[:PREVIEW_ERROR_ROWS],
                elapsed_ms=int((time.monotonic() - started) * 1000),
            )
    return render(request, "adminportal/mass_invite.html", context)


@admin_portal_view
def mass_invite_view(request):
    return _mass_invite(request)


@admin_portal_view
def company_mass_invite(request, pk):
    company = get_object_or_404(
        companies_for_admin(user=request.user, organization=request.organization), pk=pk
    )
    return _mass_invite(request, company=company)


# -------------------------------------------------------- requests to join


def _join_requests(request):
    return scoped(JoinRequest, request.organization).filter(
        location__in=admin_locations(request.user, request.organization)
    )


@admin_portal_view
def join_requests(request):
    rows = _join_requests(request).select_related("location", "decided_by", "member")
    return render(
        request,
        "adminportal/join_requests.html",
        {
            "pending": rows.filter(state=JoinRequest.State.PENDING),
            "decided": rows.exclude(state=JoinRequest.State.PENDING)[:50],
            "locations": admin_locations(request.user, request.organization),
        },
    )


@require_POST
@admin_portal_view
def join_request_decide(request, pk, decision):
    if decision not in ("approve", "reject"):
        raise Http404("No such decision.")
    join_request = get_object_or_404(_join_requests(request), pk=pk)
    try:
        if decision == "approve":
            member = join_request_approve(join_request=join_request, actor=request.user)
            messages.success(
                request,
                f"{member.full_name} is invited; the invitation is on its way to {member.email}.",
            )
        else:
            join_request_reject(join_request=join_request, actor=request.user)
            messages.success(request, f"{join_request.full_name}'s request is rejected.")
    except (ValidationError, PermissionDenied) as refused:
        messages.error(request, _error_text(refused))
    return redirect("adminportal:join_requests", org_slug=request.organization.slug)


# ---------------------------------------------------- access, remove, move


@require_POST
@admin_portal_view
def member_access(request, pk, action):
    if action not in ("deactivate", "activate"):
        raise Http404("No such action.")
    member = _member(request, pk)
    try:
        if action == "deactivate":
            member_deactivate_access(member=member, actor=request.user)
            text = (
                f"{member.full_name}'s portal access is deactivated and the record is read-only "
                "until you activate it."
            )
            text += _admin_role_note(member) + sessions_note(member.user)
            messages.success(request, text)
        else:
            member = member_activate_access(member=member, actor=request.user)
            if member.portal_access == PortalAccess.NONE:
                messages.success(
                    request,
                    f"{member.full_name} is activated. They had not accepted their invitation: "
                    "invite them again to give them portal access.",
                )
            else:
                messages.success(request, f"{member.full_name} can use the member portal again.")
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
    text = (
        f"{member.full_name} is removed from {member.location.name}: now Former, without "
        "portal access. Their memberships and billing stay on the record."
    )
    text += _admin_role_note(member) + sessions_note(member.user)
    messages.success(request, text)
    return _to_member(request, member)


@admin_portal_view
def member_transfer_view(request, pk):
    member = _member(request, pk)
    locations = admin_locations(request.user, request.organization).exclude(pk=member.location_id)
    form = TransferForm(request.POST or None, locations=locations)
    refusal = read_only_refusal(member)
    if request.method == "POST" and refusal:
        messages.error(request, refusal)
        return _to_member(request, member)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = member_transfer(
                member=member, to_location=form.cleaned_data["to_location"], actor=request.user
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            text = f"{member.full_name} now belongs to {transfer.to_location.name}."
            if transfer.company_cleared:
                text += (
                    f" They left {transfer.company_cleared}, which is at "
                    f"{transfer.from_location.name}."
                )
            messages.success(request, text)
            return _to_member(request, member)
    return render(request, "adminportal/member_transfer.html", {"member": member, "form": form})


# ------------------------------------------------- details and attachments


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
            messages.success(request, f"{member.full_name}'s record is saved.")
            return _to_member(request, member)
    return render(
        request, "adminportal/member_edit.html", {"member": member, "form": form}, status=status
    )


@require_POST
@admin_portal_view
def attachment_upload(request, pk):
    member = _member(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to attach (PDF, PNG or JPG, up to 10 MB).")
        return _to_member(request, member)
    try:
        attachment = attachment_add(
            member=member, actor=request.user, upload=form.cleaned_data["file"]
        )
    except (ValidationError, PermissionDenied) as refused:
        messages.error(request, _error_text(refused))
    else:
        messages.success(request, f"Attached {attachment.name}.")
    return _to_member(request, member)


def _attachment(request, pk) -> Attachment:
    return get_object_or_404(
        scoped(Attachment, request.organization)
        .filter(member__in=members_for_admin(user=request.user, organization=request.organization))
        .select_related("member"),
        pk=pk,
    )


@admin_portal_view
def attachment_download(request, pk):
    attachment = _attachment(request, pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@admin_portal_view
def attachment_delete_view(request, pk):
    attachment = _attachment(request, pk)
    member = attachment.member
    try:
        attachment_delete(attachment=attachment, actor=request.user)
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    else:
        messages.success(request, f"Deleted {attachment.name}.")
    return _to_member(request, member)
