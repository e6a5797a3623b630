"""Admin portal: companies, their teams and roles (R2.4, R2.5)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.models import Via
from companies.selectors import companies_for_admin
from members.actions.records import member_create
from members.actions.roles import company_update_roles
from members.forms.company_roles import CompanyRolesForm
from members.forms.team import NewTeamMemberForm
from members.selectors import company_detail_for_admin
from organizations.decorators import admin_portal_view


@admin_portal_view
def company_detail(request, pk):
    queryset = company_detail_for_admin(user=request.user, organization=request.organization)
    company = get_object_or_404(queryset, pk=pk)
    team = list(company.members.all())
    for member in team:
        member.team_roles = company.roles_of(member)
    return render(
        request,
        "adminportal/company_detail.html",
        {"company": company, "team": team, "roles_form": CompanyRolesForm(company=company)},
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
