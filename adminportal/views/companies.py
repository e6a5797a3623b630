"""Admin portal: companies, their teams and roles (R2.4, R2.5); creating,
editing, archiving them and linking their contacts to locations (issue 13,
item 2).

A location-limited admin sees a company at their locations only, and
only its members there. Changing the company itself (details, locations,
roles, links, archiving) needs "manage customers" at every location of it
(companies/policy.py ``may_change_company``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.forms.utils import pretty_name
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import Via
from companies.actions import (
    company_archive,
    company_create,
    company_restore,
    company_set_seats,
    company_update,
)
from companies.models import TEAM_ROLE_HOLDER, ContactLocation
from companies.policy import NOT_ALL_LOCATIONS, may_change_company
from companies.selectors import companies_for_admin, linked_location_ids
from members.actions.records import member_create
from members.actions.roles import company_update_roles, contact_set_locations
from members.directory import company_member_counts
from members.forms.company import CompanyForm, CompanySeatsForm, ContactLocationsForm
from members.forms.company_roles import CompanyRolesForm
from members.forms.team import NewTeamMemberForm
from members.models import Member
from members.seats import caps_of, seat_usages
from members.selectors import company_detail_for_admin, team_moves_of
from members.team_selectors import (
    ADMIN_ROW_READS,
    PICK_LIMIT,
    TEAM_PAGE_SIZE,
    matching,
    rows_of,
    team_of,
)
from organizations.decorators import admin_portal_view
from organizations.permissions import admin_location_ids, admin_locations
from tenancy.scoping import scoped

from ._shared import link_rows


def _company(request, pk):
    """A company at one of the admin's locations (archived too); anything
    else is a 404."""
    company = get_object_or_404(
        company_detail_for_admin(user=request.user, organization=request.organization), pk=pk
    )
    company.organization = request.organization  # the same row: no query to read it again
    return company


def _refused(request, message, status=403):
    return render(request, "adminportal/refused.html", {"refusal": message}, status=status)


def _to_company(request, company):
    return redirect("adminportal:company", org_slug=request.organization.slug, pk=company.pk)


def _my_locations(request):
    return admin_locations(request.user, request.organization).order_by("name")


@admin_portal_view
def company_new(request):
    """A new company, at one or more of the admin's locations."""
    locations = _my_locations(request)
    if not locations.exists():
        return _refused(request, _("You do not manage customers at any location."))
    form = CompanyForm(request.POST if request.method == "POST" else None, locations=locations)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            company = company_create(
                organization=request.organization,
                locations=data.pop("locations"),
                actor=request.user,
                via=Via.ADMIN,
                **data,
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(
                request,
                _("%(company)s is created. Add its members, then choose its contact person.")
                % {"company": company.name},
            )
            return _to_company(request, company)
    return render(request, "adminportal/company_form.html", {"form": form, "company": None})


@admin_portal_view
def company_edit(request, pk):
    company = _company(request, pk)
    if not may_change_company(request.user, company):
        return _refused(request, NOT_ALL_LOCATIONS)
    if company.is_archived:
        return _refused(
            request,
            _("%(company)s is archived: restore it before changing it.")
            % {"company": company.name},
        )
    form = CompanyForm(
        request.POST if request.method == "POST" else None,
        locations=_my_locations(request),
        initial=CompanyForm.initial_for(company),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            company_update(
                company=company,
                locations=data.pop("locations"),
                actor=request.user,
                via=Via.ADMIN,
                **data,
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(request, _("%(company)s is saved.") % {"company": company.name})
            return _to_company(request, company)
    return render(request, "adminportal/company_form.html", {"form": form, "company": company})


@require_POST
@admin_portal_view
def company_archive_view(request, pk, action):
    """Archive (refused while any member is Active) or restore."""
    company = _company(request, pk)
    if action not in ("archive", "restore"):
        raise Http404("No such action.")
    if not may_change_company(request.user, company):
        return _refused(request, NOT_ALL_LOCATIONS)
    try:
        if action == "archive":
            company_archive(company=company, actor=request.user, via=Via.ADMIN)
            messages.success(
                request,
                _("%(company)s is archived: hidden from the lists, it takes no new members.")
                % {"company": company.name},
            )
        else:
            company_restore(company=company, actor=request.user, via=Via.ADMIN)
            messages.success(request, _("%(company)s is restored.") % {"company": company.name})
    except ValidationError as invalid:
        messages.error(request, " ".join(invalid.messages))
    return _to_company(request, company)


@admin_portal_view
def company_contact_link(request, pk, member_pk):
    """Seed 004, "Link to Specific Properties": link a contact person,
    billing person or manager to the whole company or to some of its
    locations."""
    company = _company(request, pk)
    if not may_change_company(request.user, company):
        return _refused(request, NOT_ALL_LOCATIONS)
    member = get_object_or_404(team_of(company=company).filter(TEAM_ROLE_HOLDER), pk=member_pk)
    form = ContactLocationsForm(
        request.POST if request.method == "POST" else None,
        locations=company.locations.order_by("name"),
        initial={"locations": sorted(linked_location_ids(member_id=member.pk))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            contact_set_locations(
                company=company,
                member=member,
                locations=form.cleaned_data["locations"],
                actor=request.user,
                via=Via.ADMIN,
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(request, form.outcome(member))
            return _to_company(request, company)
    return render(
        request,
        "adminportal/company_contact_link.html",
        {"company": company, "member": member, "form": form},
    )


@admin_portal_view
def company_detail(request, pk):
    """The company and a page of its team (50 rows), searched by name or
    email; htmx asks for the team list alone when the search changes or the
    page turns."""
    company = _company(request, pk)
    locations = admin_locations(request.user, request.organization)
    active_at = company_member_counts([company], locations=locations)
    search = request.GET.get("q", "").strip()
    team = rows_of(team_of(company=company, locations=locations), ADMIN_ROW_READS)
    paginator = Paginator(matching(team, search, emails=True), TEAM_PAGE_SIZE)
    if not search:
        paginator.count = company.member_count  # the same rows, just counted
    page = paginator.get_page(request.GET.get("page"))
    for member in page.object_list:
        member.team_roles = company.roles_of(member)
    link_rows(page.object_list, name="member", organization=request.organization)
    context = {
        "company": company,
        "page": page,
        "search": search,
        "querystring": urlencode({"q": search}) if search else "",
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "adminportal/_company_team.html", context)
    # The activity card reads its entries when it comes into view (htmx),
    # after the team and its roles are on screen: with a long history it
    # was a quarter of this page's time (docs/directory.md).
    context["timeline_url"] = reverse(
        "adminportal:company_timeline", args=[request.organization.slug, company.pk]
    )
    mine = admin_location_ids(request.user, request.organization)
    # An admin sees the company at their locations only (R1.2).
    company.visible_locations = [
        row for row in company.company_locations.all() if row.location_id in mine
    ]
    # Issue 14: "Seats: 7 of 10 at Harbour" per location, from what the
    # page has read already: its memberships and its counts.
    context["seat_usages"] = seat_usages(
        company.visible_locations, caps=caps_of(company.memberships.all()), active=active_at
    )
    context["may_change"] = may_change_company(request.user, company, mine=mine)
    # Whole-team moves (issue 14, item 3): the recent ones, Undo for 30 days.
    context["team_moves"] = list(team_moves_of(company, locations=mine)[:5])
    if context["may_change"]:
        holders = _holders(company)
        context["pickers"] = _pickers(company, holders)
        context["links"] = _links(company, holders)
    return render(request, "adminportal/company_detail.html", context)


def _holders(company) -> list[Member]:
    """Who holds a role, with their location links (seed 004): two queries,
    of the columns the roles and links cards show."""
    links = ContactLocation.objects.select_related("location").only("member_id", "location__name")
    return list(
        scoped(Member, company.organization_id)
        .filter(company=company)
        .filter(TEAM_ROLE_HOLDER)
        .only("company_id", "first_name", "last_name", "is_manager")
        .prefetch_related(Prefetch("contact_locations", queryset=links))
        .order_by("first_name", "last_name", "pk")
    )


def _links(company, holders) -> list[dict]:
    return [
        {
            "member": member,
            "roles": company.roles_of(member),
            "locations": [link.location for link in member.contact_locations.all()],
        }
        for member in holders
    ]


#: The roles the company page's pickers set, and the input each one is.
PICKERS = {"contact_person": "radio", "billing_person": "radio", "managers": "checkbox"}


def _pickers(company, holders=None) -> list[dict]:
    holders = _role_holders(company, holders)
    return [
        {
            "role": role,
            "input_type": input_type,
            "label": pretty_name(role),
            "help": CompanyRolesForm.base_fields[role].help_text,
            "holders": holders[role],
        }
        for role, input_type in PICKERS.items()
    ]


def _role_holders(company, holders=None) -> dict:
    """Who holds each role now: what the pickers show checked (one query,
    none given ``holders``)."""
    if holders is None:
        holders = list(
            scoped(Member, company.organization_id)
            .filter(company=company)
            .filter(TEAM_ROLE_HOLDER)
            .order_by("first_name", "last_name", "pk")
        )
    return {
        "contact_person": [m for m in holders if m.pk == company.contact_person_id],
        "billing_person": [m for m in holders if m.pk == company.billing_person_id],
        "managers": [m for m in holders if m.is_manager],
    }


@admin_portal_view
def company_member_pick(request, pk):
    """Search-as-you-type for the roles form: up to ten of this company's
    members matching the words typed, as radio buttons or checkboxes of
    the role. Another company's or organization's member never matches."""
    role = request.GET.get("role", "")
    if role not in PICKERS:
        raise Http404("No such role.")
    company = get_object_or_404(
        companies_for_admin(user=request.user, organization=request.organization), pk=pk
    )
    search = request.GET.get("q", "").strip()
    found = []
    if search:
        held = _role_holders(company)[role]
        team = team_of(
            company=company, locations=admin_locations(request.user, request.organization)
        )
        found = list(
            matching(team, search, emails=True).exclude(pk__in=[m.pk for m in held])[:PICK_LIMIT]
        )
    return render(
        request,
        "adminportal/_role_choices.html",
        {"role": role, "input_type": PICKERS[role], "found": found, "search": search},
    )


@admin_portal_view
def company_add_member(request, pk):
    company = _company(request, pk)
    if company.is_archived:
        return _refused(
            request,
            _("%(company)s is archived: it takes no new members.") % {"company": company.name},
        )
    form = NewTeamMemberForm(
        request.POST if request.method == "POST" else None,
        company=company,
        locations=company.locations.filter(
            pk__in=admin_locations(request.user, request.organization)
        ).order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = member_create(
                organization=request.organization,
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
                _("%(full_name)s is now on %(company)s's team as %(status)s.")
                % {
                    "full_name": member.full_name,
                    "company": company.name,
                    "status": member.get_status_display(),
                },
            )
            return redirect("adminportal:company", org_slug=request.organization.slug, pk=pk)
    return render(
        request, "adminportal/company_add_member.html", {"company": company, "form": form}
    )


@require_POST
@admin_portal_view
def company_seats(request, pk, location_pk):
    """Set the company's own seat cap at one of its locations (issue 14)."""
    company = _company(request, pk)
    if not may_change_company(request.user, company):
        return _refused(request, NOT_ALL_LOCATIONS)
    location = get_object_or_404(
        admin_locations(request.user, request.organization).filter(
            pk__in=company.company_locations.values("location_id")
        ),
        pk=location_pk,
    )
    form = CompanySeatsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _error_words(form))
        return _to_company(request, company)
    try:
        company_set_seats(
            company=company,
            location=location,
            seats=form.cleaned_data["seats"],
            actor=request.user,
            via=Via.ADMIN,
        )
    except ValidationError as invalid:
        messages.error(request, " ".join(invalid.messages))
    else:
        messages.success(
            request,
            _("Seat cap of %(company)s at %(location)s saved.")
            % {"company": company.name, "location": location.name},
        )
    return _to_company(request, company)


def _error_words(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_POST
@admin_portal_view
def company_roles(request, pk):
    company = _company(request, pk)
    if not may_change_company(request.user, company):
        return _refused(request, NOT_ALL_LOCATIONS)
    form = CompanyRolesForm(request.POST, company=company)
    if form.is_valid():
        try:
            company_update_roles(company=company, actor=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            messages.error(request, " ".join(invalid.messages))
        else:
            messages.success(
                request,
                _(
                    "Roles at %(company)s saved. Who may manage the team from the"
                    " member portal changed with them."
                )
                % {"company": company.name},
            )
            return redirect("adminportal:company", org_slug=request.organization.slug, pk=pk)
    else:
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect("adminportal:company", org_slug=request.organization.slug, pk=pk)
