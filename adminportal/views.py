from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from companies.selectors import companies_for_admin
from members.models import MemberStatus
from members.selectors import company_detail_for_admin, member_detail_for_admin, members_for_admin
from members.team_forms import CompanyRolesForm
from organizations.decorators import admin_portal_view
from organizations.permissions import admin_locations, can_manage_organization_settings

from .filters import MemberFilter

PAGE_SIZE = 50


@admin_portal_view
def members_list(request):
    org = request.organization
    members = MemberFilter(
        request.GET,
        queryset=members_for_admin(user=request.user, organization=org),
        locations=admin_locations(request.user, org),
    )
    page = Paginator(members.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "adminportal/members_list.html",
        {"filter": members, "page": page, "querystring": _without_page(request.GET)},
    )


@admin_portal_view
def member_detail(request, pk):
    queryset = member_detail_for_admin(user=request.user, organization=request.organization)
    member = get_object_or_404(queryset, pk=pk)
    return render(
        request,
        "adminportal/member_detail.html",
        {
            "member": member,
            "statuses": MemberStatus.choices,
            # Resync pushes to every connection: the integrations pages' permission.
            "can_manage_integrations": can_manage_organization_settings(
                request.user, request.organization
            ),
        },
    )


@admin_portal_view
def companies_list(request):
    companies = companies_for_admin(user=request.user, organization=request.organization)
    page = Paginator(companies, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "adminportal/companies_list.html", {"page": page})


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


def _without_page(params):
    params = params.copy()
    params.pop("page", None)
    return params.urlencode()
