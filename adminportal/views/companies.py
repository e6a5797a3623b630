"""Admin portal: companies, their teams and roles (R2.4, R2.5)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms.utils import pretty_name
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import Via
from companies.models import TEAM_ROLE_HOLDER
from companies.selectors import companies_for_admin
from members.actions.records import member_create
from members.actions.roles import company_update_roles
from members.forms.company_roles import CompanyRolesForm
from members.forms.team import NewTeamMemberForm
from members.models import Member
from members.selectors import company_detail_for_admin
from members.team_selectors import PICK_LIMIT, TEAM_PAGE_SIZE, matching, team_of
from organizations.decorators import admin_portal_view
from tenancy.scoping import scoped


@admin_portal_view
def company_detail(request, pk):
    """The company and a page of its team (50 rows), searched by name or
    email; htmx asks for the team list alone when the search changes or the
    page turns."""
    queryset = company_detail_for_admin(user=request.user, organization=request.organization)
    company = get_object_or_404(queryset, pk=pk)
    search = request.GET.get("q", "").strip()
    page = Paginator(
        matching(team_of(company=company), search, emails=True), TEAM_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    for member in page.object_list:
        member.team_roles = company.roles_of(member)
    context = {
        "company": company,
        "page": page,
        "search": search,
        "querystring": urlencode({"q": search}) if search else "",
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "adminportal/_company_team.html", context)
    context["pickers"] = _pickers(company)
    return render(request, "adminportal/company_detail.html", context)


#: The roles the company page's pickers set, and the input each one is.
PICKERS = {"contact_person": "radio", "billing_person": "radio", "managers": "checkbox"}


def _pickers(company) -> list[dict]:
    holders = _role_holders(company)
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


def _role_holders(company) -> dict:
    """Who holds each role now: what the pickers show checked (one query)."""
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
        found = list(
            matching(team_of(company=company), search, emails=True).exclude(
                pk__in=[m.pk for m in held]
            )[:PICK_LIMIT]
        )
    return render(
        request,
        "adminportal/_role_choices.html",
        {"role": role, "input_type": PICKERS[role], "found": found, "search": search},
    )


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
