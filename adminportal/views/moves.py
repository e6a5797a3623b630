"""Admin portal: whole-team moves (issue 14, item 3). From a company's page
an admin moves the company out of one of its locations, or moves its team
there to another location: a preview lists exactly who is affected (a page
of 100 at a time, a constant number of queries), a confirmation asks the
date and the reason, and the success message links Undo, offered on the
company page for 30 days.

Only an admin who manages customers at the location (and, for a team
moving, at the new one) may: ``admin_locations``, the rule every
location-limited page uses. A company or location that is not theirs to
see, or not the company's, is a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from audit.models import Via
from members.actions.moves import move_out, move_team, undo_move
from members.forms.moves import MoveOutForm, MoveTeamForm
from members.models import Member, TeamMove
from members.seats import SeatCapReached
from members.selectors import company_detail_for_admin, move_preview, unchanged_since
from organizations.decorators import admin_portal_view
from organizations.permissions import admin_locations

#: Rows of a preview shown at once.
PREVIEW_PAGE_SIZE = 100


def _refused(request, message, status=403):
    return render(request, "adminportal/refused.html", {"refusal": message}, status=status)


def _company_and_location(request, pk, location_pk):
    """The company (at one of the admin's locations) and one of its current
    locations; anything else is a 404. None for the location the admin does
    not manage (a refusal, not a secret: the company page names it)."""
    company = get_object_or_404(
        company_detail_for_admin(user=request.user, organization=request.organization), pk=pk
    )
    link = next(
        (
            row
            for row in company.company_locations.all()
            if row.location_id == location_pk and row.ended_at is None
        ),
        None,
    )
    if link is None:
        raise Http404("Not a location of this company.")
    mine = admin_locations(request.user, request.organization)
    if not mine.filter(pk=location_pk).exists():
        return company, None
    return company, link.location


def _preview_context(request, company, location, kind):
    preview = move_preview(company=company, location=location, kind=kind, actor=request.user)
    page = Paginator(preview.members, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return {"company": company, "location": location, "preview": preview, "page": page}


def _say_moved(request, move, text: str) -> None:
    """What the move did, with its Undo link."""
    url = reverse("adminportal:team_move_undo", args=[request.organization.slug, move.pk])
    messages.success(request, format_html('{} <a href="{}">{}</a>', text, url, _("Undo")))


def _not_here(location_name):
    return _("You do not manage customers at %(location)s.") % {"location": location_name}


@admin_portal_view
def company_move_out(request, pk, location_pk):
    company, location = _company_and_location(request, pk, location_pk)
    if location is None:
        return _refused(request, _("You do not manage customers at that location."))
    form = MoveOutForm(
        request.POST if request.method == "POST" else None,
        initial={"end_date": MoveOutForm.initial_end_date()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            move = move_out(
                company=company,
                location=location,
                end_date=form.cleaned_data["end_date"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                via=Via.ADMIN,
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            _say_moved(
                request,
                move,
                _(
                    "%(company)s moved out of %(location)s: %(count)s member(s) are Former, "
                    "their portal access, door and printing access ended, and memberships "
                    "end on %(date)s. You can undo this for 30 days."
                )
                % {
                    "company": company.name,
                    "location": location.name,
                    "count": move.member_count,
                    "date": move.end_date.isoformat(),
                },
            )
            return redirect("adminportal:company", org_slug=request.organization.slug, pk=pk)
    context = _preview_context(request, company, location, TeamMove.Kind.MOVE_OUT)
    context.update(form=form, kind="move_out")
    return render(request, "adminportal/team_move.html", context)


@admin_portal_view
def company_move_team(request, pk, location_pk):
    company, location = _company_and_location(request, pk, location_pk)
    if location is None:
        return _refused(request, _("You do not manage customers at that location."))
    locations = (
        admin_locations(request.user, request.organization)
        .filter(archived_at__isnull=True)
        .exclude(pk=location.pk)
        .order_by("name")
    )
    form = MoveTeamForm(request.POST if request.method == "POST" else None, locations=locations)
    if request.method == "POST" and form.is_valid():
        to_location = form.cleaned_data["to_location"]
        try:
            move = move_team(
                company=company,
                from_location=location,
                to_location=to_location,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                via=Via.ADMIN,
                over_seat_cap=form.cleaned_data["over_seat_cap"],
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            _say_moved(
                request,
                move,
                _(
                    "%(company)s's team moved from %(from)s to %(to)s: %(count)s member(s). "
                    "You can undo this for 30 days."
                )
                % {
                    "company": company.name,
                    "from": location.name,
                    "to": to_location.name,
                    "count": move.member_count,
                },
            )
            return redirect("adminportal:company", org_slug=request.organization.slug, pk=pk)
    context = _preview_context(request, company, location, TeamMove.Kind.MOVE_TEAM)
    context.update(form=form, kind="move_team")
    return render(request, "adminportal/team_move.html", context)


@admin_portal_view
def team_move_undo(request, pk):
    """What undoing would put back (those unchanged since) and, posted, the undo."""
    mine = admin_locations(request.user, request.organization)
    move = get_object_or_404(
        TeamMove.objects.select_related("company", "from_location", "to_location", "actor")
        .filter(organization=request.organization)
        .filter(from_location__in=mine),
        pk=pk,
    )
    if move.to_location_id is not None and not mine.filter(pk=move.to_location_id).exists():
        return _refused(request, _not_here(move.to_location.name))
    refusal = None
    if move.undone_at is not None:
        refusal = _("This move was undone already.")
    elif not move.may_be_undone():
        refusal = _("A move can be undone for %(days)s days; this one is older.") % {
            "days": TeamMove.UNDO_DAYS
        }
    if request.method == "POST" and refusal is None:
        try:
            move = undo_move(
                move=move,
                actor=request.user,
                via=Via.ADMIN,
                over_seat_cap=bool(request.POST.get("over_seat_cap")),
            )
        except SeatCapReached as full:
            # Back to this page, which then offers to go over the cap.
            messages.error(request, " ".join(full.messages))
            return redirect(f"{request.path}?seats=full")
        except ValidationError as invalid:
            messages.error(request, " ".join(invalid.messages))
        else:
            messages.success(
                request,
                _(
                    "The move is undone: %(restored)s of %(count)s member(s) are back as they "
                    "were. The others changed since and stay as they are now."
                )
                % {"restored": move.restored_count, "count": move.member_count},
            )
        return redirect(
            "adminportal:company", org_slug=request.organization.slug, pk=move.company_id
        )
    context = {"move": move, "refusal": refusal, "offer_over_seat_cap": "seats" in request.GET}
    if refusal is None:
        restored, changed = unchanged_since(move)
        context["restored_count"] = len(restored)
        context["changed"] = Member.objects.filter(pk__in=changed).order_by(
            "first_name", "last_name", "pk"
        )[:PREVIEW_PAGE_SIZE]
        context["changed_count"] = len(changed)
    return render(request, "adminportal/team_move_undo.html", context)
