"""My team: a company's contact person, billing person and managers keep
their team current (R2.2, R2.3, R2.6).

Who may do what is members/policy.py's; these views show its answers and
refuse forged requests with the same message. A member outside the
person's company is a 404, as is another organization's.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from companies.models import CompanyLocation
from companies.selectors import linked_location_ids
from members.actions.invitations import resend_note
from members.actions.team import (
    team_add_member,
    team_change_status,
    team_invite_member,
    team_link_contact,
)
from members.forms.company import ContactLocationsForm
from members.forms.status import StatusChangeForm
from members.forms.team import NewTeamMemberForm
from members.models import MemberStatus, PortalAccess, StatusRequest
from members.privacy import visible_contact
from members.seats import capped_seat_usages
from members.team_selectors import (
    PORTAL_ROW_READS,
    TEAM_PAGE_SIZE,
    matching,
    rows_of,
    team_member_history,
    team_of,
)

from ..decorators import team_view
from ..team_rows import TeamRows


def _decorate(member, company, policy, viewer):
    """What the row shows (portal/team_rows.py): roles, the contact details
    the viewer may see (R5.2) and why its controls are off (if they are)."""
    member.company, member.organization = company, policy.organization  # no query a row
    member.contact = visible_contact(viewer, member, photo=False)
    member.team_roles = company.roles_of(member)
    member.status_refusal = policy.status_change_refusal(member)
    member.may_invite = policy.invite_refusal(member) is None
    member.is_me = member.user_id == policy.user.pk
    member.may_link = policy.link_refusal(company, member) is None
    return member


def _my_places(company, policy):
    """The company's locations where this person manages the team."""
    places = company.locations.order_by("name")
    limit = policy.team_locations
    return places if limit is None else places.filter(pk__in=limit)


@team_view
def team(request):
    """A page of the team (50 rows), searched by name. htmx asks for the
    list alone when the search changes or the page turns."""
    company, policy = request.team_company, request.team_policy
    search = request.GET.get("q", "").strip()
    page = Paginator(
        matching(
            rows_of(team_of(company=company, locations=policy.team_locations), PORTAL_ROW_READS),
            search,
            emails=False,
        ),
        TEAM_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    page.object_list = [_decorate(m, company, policy, request.member) for m in page.object_list]
    context = {
        "company": company,
        "page": page,
        "members": page.object_list,
        "search": search,
        "querystring": urlencode({"q": search}) if search else "",
        "limited": policy.team_locations is not None,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "portal/_team_list.html", context)
    places = list(_my_company_locations(company, policy))
    context["places"] = [row.location for row in places]
    # Issue 14: "Seats: 7 of 10 at Harbour" where a cap applies.
    context["seat_usages"] = capped_seat_usages(places)
    return render(request, "portal/team.html", context)


def _my_company_locations(company, policy):
    """The company's ``CompanyLocation`` rows where this person manages the
    team, by location name: the page's places and its seats, in one query."""
    rows = (
        CompanyLocation.objects.filter(company=company)
        .select_related("company", "location")
        .order_by("location__name")
    )
    limit = policy.team_locations
    return rows if limit is None else rows.filter(location_id__in=limit)


@team_view
def team_member_history_view(request, pk):
    """A member's status history, read when their row's history is opened."""
    member = get_object_or_404(
        team_member_history(
            company=request.team_company, locations=request.team_policy.team_locations
        ),
        pk=pk,
    )
    template = "portal/_team_history.html" if request.htmx else "portal/team_history.html"
    return render(request, template, {"member": member, "in_portal": True})


@team_view
def team_add(request):
    company, policy = request.team_company, request.team_policy
    form = NewTeamMemberForm(
        request.POST if request.method == "POST" else None,
        company=company,
        policy=policy,
        locations=_my_places(company, policy),
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = team_add_member(actor=request.user, company=company, **form.cleaned_data)
        except PermissionDenied as refused:
            form.add_error(None, str(refused))
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            if member.status != form.cleaned_data["status"]:
                # Kept as Contact until an admin approves (R8.2).
                text = _(
                    "%(full_name)s is on %(company)s's team, awaiting an admin's approval to "
                    "become Active: the admins of %(organization)s have been asked. No "
                    "invitation goes out until then."
                )
            else:
                text = _(
                    "%(full_name)s is now on %(company)s's team as %(status)s. "
                    "The admins of %(organization)s have been told."
                )
            messages.success(
                request,
                text
                % {
                    "full_name": member.full_name,
                    "company": company.name,
                    "status": member.get_status_display(),
                    "organization": request.organization.name,
                },
            )
            return redirect("portal:team", org_slug=request.organization.slug)
    return render(request, "portal/team_add.html", {"company": company, "form": form})


@require_POST
@team_view
def team_member_status(request, pk):
    company, policy = request.team_company, request.team_policy
    member = get_object_or_404(team_of(company=company, locations=policy.team_locations), pk=pk)
    form = StatusChangeForm(request.POST, member=member, policy=policy)
    error = note = None
    if form.is_valid():
        # As it stood before the change: the message says what they lost.
        had_portal = member.can_use_portal
        try:
            change = team_change_status(
                actor=request.user,
                member=member,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied as refused:
            error = str(refused)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            note = _outcome(
                member, change, had_portal=had_portal, organization=request.organization
            )
    else:
        error = form.error_text()

    return _row_response(request, pk, note=note, error=error)


@require_POST
@team_view
def team_member_invite(request, pk):
    member = get_object_or_404(
        team_of(company=request.team_company, locations=request.team_policy.team_locations), pk=pk
    )
    resend = member.portal_access == PortalAccess.PENDING
    error = note = None
    try:
        team_invite_member(actor=request.user, member=member)
    except PermissionDenied as refused:
        error = str(refused)
    except ValidationError as invalid:
        error = " ".join(invalid.messages)
    else:
        note = (
            resend_note(member)
            if resend
            else _(
                "%(full_name)s is invited: the email with their link is on "
                "its way to %(member_email)s."
            )
            % {"full_name": member.full_name, "member_email": member.email}
        )
    return _row_response(request, pk, note=note, error=error)


def _row_response(request, pk, *, note, error):
    """htmx: the row, fresh, with the outcome in it. Without JavaScript: back
    to the page with the outcome as a message."""
    if request.htmx:
        company = request.team_company
        fresh = _decorate(
            get_object_or_404(
                team_of(company=company, locations=request.team_policy.team_locations), pk=pk
            ),
            company,
            request.team_policy,
            request.member,
        )
        return HttpResponse(TeamRows(request)(fresh, note=note, error=error))
    if error:
        messages.error(request, error)
    else:
        messages.success(request, note)
    return redirect("portal:team", org_slug=request.organization.slug)


def _outcome(member, change, *, had_portal: bool, organization) -> str:
    if isinstance(change, StatusRequest):
        return _(
            "%(member)s awaits an admin's approval to become %(status)s: the admins of "
            "%(org)s have been asked, and you will get an email with their decision."
        ) % {
            "member": member.full_name,
            "status": change.get_to_status_display(),
            "org": organization.name,
        }
    if change is None:
        return _("%(full_name)s is already %(status)s.") % {
            "full_name": member.full_name,
            "status": member.get_status_display(),
        }
    text = _("%(full_name)s is now %(to_status)s.") % {
        "full_name": member.full_name,
        "to_status": change.get_to_status_display(),
    }
    if change.from_status == MemberStatus.ACTIVE:
        # Only say they lost the portal if they had it: many members never log in.
        if had_portal:
            text += _(" They can no longer use the member portal.")
        text += _(" The admins of %(organization)s have been told.") % {
            "organization": organization.name
        }
    return text


@team_view
def team_member_link(request, pk):
    """Seed 004, "Link to Specific Properties": the contact person links a
    teammate who holds a role to the whole company (a Client Admin) or to
    specific locations (a Property Manager), who then sees and manages the
    team there only."""
    company, policy = request.team_company, request.team_policy
    member = get_object_or_404(team_of(company=company, locations=policy.team_locations), pk=pk)
    member.company = company
    refusal = policy.link_refusal(company, member)
    if refusal:
        return render(request, "portal/team_refused.html", {"refusal": refusal}, status=403)
    form = ContactLocationsForm(
        request.POST if request.method == "POST" else None,
        locations=company.locations.order_by("name"),
        initial={"locations": sorted(linked_location_ids(member_id=member.pk))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            team_link_contact(
                actor=request.user, member=member, locations=form.cleaned_data["locations"]
            )
        except PermissionDenied as refused:
            form.add_error(None, str(refused))
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(request, form.outcome(member))
            return redirect("portal:team", org_slug=request.organization.slug)
    return render(
        request, "portal/team_link.html", {"company": company, "member": member, "form": form}
    )
