"""Admin portal: inviting one person or many; pending invitations (R4)."""

import time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import Via
from companies.selectors import companies_for_admin
from members.actions.invitations import (
    invitation_resend,
    member_invite,
    member_invite_new,
    resend_note,
)
from members.actions.mass_invite import (
    errors_csv,
    id_lookups,
    mass_invite,
    parse_rows,
    paste_fingerprint,
)
from members.forms.invitations import InviteForm, MassInviteForm
from members.models import Invitation, PortalAccess
from members.selectors import members_for_admin
from organizations.decorators import admin_portal_view
from organizations.permissions import admin_locations
from tenancy.scoping import scoped

from ._shared import _error_text, _member, _to_member

PREVIEW_VALID_ROWS = 50
INVITATIONS_PAGE_SIZE = 100
#: A paste of 10,000 bad rows would be a page of megabytes: the page shows
#: this many errors, and offers all of them as CSV.
PREVIEW_ERROR_ROWS = 200


@admin_portal_view
def invite(request):
    org = request.organization
    locations = admin_locations(request.user, org).filter(archived_at__isnull=True)
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
                _(
                    "Invitation sent to %(member_email)s. The link works for 24 "
                    "hours; you can resend it from their profile while it is "
                    "pending."
                )
                % {"member_email": member.email},
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
        messages.success(
            request, _("Invitation sent to %(member_email)s.") % {"member_email": member.email}
        )
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


def _mass_invite(request, *, company=None):
    org = request.organization
    locations = admin_locations(request.user, org).filter(archived_at__isnull=True)
    # The IDs the paste's columns refer to: shown, so nobody has to guess
    # them, and checked against.
    lookups = id_lookups(user=request.user, organization=org)
    if company is not None:
        # The company as the lookups hold it: its locations the admin manages.
        company = next(c for c in lookups[0] if c.pk == company.pk)
        here = [row.location_id for row in company.company_locations.all()]
        # One location: everyone lands there; several: the admin chooses.
        locations = None if len(here) == 1 else locations.filter(pk__in=here)
    form = MassInviteForm(request.POST or None, locations=locations)
    preview = None
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
                over_seat_cap=form.cleaned_data["over_seat_cap"],
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
                    _(
                        "The rows changed since the preview, so nobody was invited yet. Check "
                        "this preview, then press Invite."
                    ),
                )
            elif action == "invite" and preview.valid:
                try:
                    members = mass_invite(
                        organization=org,
                        actor=request.user,
                        rows=preview.valid,
                        over_seat_cap=form.cleaned_data["over_seat_cap"],
                    )
                except ValidationError as invalid:
                    # Its own words: e.g. a location the admin no longer manages.
                    form.add_error("rows", invalid)
                except IntegrityError:
                    form.add_error(
                        "rows",
                        _(
                            "Someone else added one of these people meanwhile. Preview again "
                            "to see which rows are still new."
                        ),
                    )
                else:
                    skipped = len(preview.invalid)
                    text = _("Invited %(count)s people; invitation emails are on their way.") % {
                        "count": format(len(members), ",")
                    }
                    if skipped:
                        text += _(" %(skipped)s rows with errors were not invited.") % {
                            "skipped": format(skipped, ",")
                        }
                    messages.success(request, text)
                    if company:
                        return redirect("adminportal:company", org_slug=org.slug, pk=company.pk)
                    return redirect("adminportal:members", org_slug=org.slug)
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
