"""Admin portal: the customers directory (R6.1, issue 12 items 1–4): the
Members, Contacts and Former, Companies and Users tabs, the CSV export of
what is on screen, and the bulk actions on selected rows."""

from defusedcsv import csv
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit.models import Via
from companies.models import Company
from companies.selectors import companies_in_directory
from members.actions.bulk import BULK_LIMIT, members_change_status, members_invite
from members.actions.exports import directory_export_record
from members.directory import (
    company_member_counts,
    directory_members,
    tab_counts,
    users_for_admin,
    with_current_plan,
)
from members.forms.status import StatusChangeForm
from members.models import Member, MemberStatus
from members.selectors import members_for_admin, plans_for_admin
from organizations.decorators import admin_portal_view
from organizations.permissions import admin_locations
from tenancy.scoping import request_scope, scoped

from ..filters import CompanyFilter, MemberFilter, UserFilter
from ..keyset import chunks, grouped_page, keyset_page
from ._shared import PAGE_SIZE, back_query, link_rows

#: Rows read per query while an export streams.
EXPORT_CHUNK = 2000
TAB_TITLES = {"members": gettext_lazy("Members"), "contacts": gettext_lazy("Contacts and Former")}


def _member_filter(request, tab, params=None):
    org, user = request.organization, request.user
    return MemberFilter(
        request.GET if params is None else params,
        queryset=directory_members(user=user, organization=org, tab=tab),
        tab=tab,
        organization=org,
        # What the selects show, and what a company id is checked against:
        # the rows a tab lists are the admin's locations' members already,
        # so any company of the organization may be named.
        locations=admin_locations(user, org).only("id", "name"),
        companies=scoped(Company, org).only("id"),
        plans=plans_for_admin(user=user, organization=org).select_related(None).only("id", "name"),
    )


def _tabs(request):
    return tab_counts(user=request.user, organization=request.organization)


def _query(params) -> str:
    params = params.copy()
    for name in ("after", "before", "page"):
        params.pop(name, None)
    return params.urlencode()


#: The member's columns the tab's rows show (``directory_tags.member_rows``):
#: not the login, nor the dozen timestamps and notes a row never shows.
TABLE_READS = (
    "organization_id",
    "first_name",
    "last_name",
    "email",
    "status",
    "portal_access",
    "invited_at",
    "first_login_at",
    "is_manager",
    "company_id",
    "company__name",
    "location_id",
    "location__name",
)


#: The company's columns the Companies tab shows (``directory_tags.company_rows``).
COMPANY_TABLE_READS = (
    "organization_id",
    "name",
    "contact_person__first_name",
    "contact_person__last_name",
    "billing_person__first_name",
    "billing_person__last_name",
)


@admin_portal_view
def members_tab(request, tab):
    members = _member_filter(request, tab)
    ordering, expressions = members.sort
    rows = members.qs.select_related(None).select_related("company", "location").only(*TABLE_READS)
    if members.group:
        groups = Member._meta.get_field(members.group).related_model
        page = grouped_page(
            rows,
            ordering,
            request.GET,
            size=PAGE_SIZE,
            annotate=expressions,
            group=members.group,
            groups=scoped(groups, request.organization),
        )
    else:
        page = keyset_page(rows, ordering, request.GET, size=PAGE_SIZE, annotate=expressions)
    org = request.organization
    link_rows(page, name="member", organization=org, query=back_query(tab, request.GET))
    link_rows(page, name="company", organization=org, key="company_id", attr="company_url")
    return render(
        request,
        "adminportal/directory/members.html",
        {
            "tab": tab,
            "title": TAB_TITLES[tab],
            "filter": members,
            "page": page,
            "counts": _tabs(request),
            "querystring": _query(request.GET),
            "statuses": MemberStatus.choices,
            "bulk_limit": BULK_LIMIT,
        },
    )


@admin_portal_view
def companies_tab(request):
    org, user = request.organization, request.user
    companies = CompanyFilter(
        request.GET,
        queryset=companies_in_directory(user=user, organization=org, archived=None),
        locations=admin_locations(user, org),
    )
    ordering, expressions = companies.sort
    rows = companies.qs.only(*COMPANY_TABLE_READS)
    page = keyset_page(rows, ordering, request.GET, size=PAGE_SIZE, annotate=expressions)
    company_member_counts(page.object_list, locations=admin_locations(user, org))
    link_rows(page, name="company", organization=org)
    return render(
        request,
        "adminportal/directory/companies.html",
        {
            "tab": "companies",
            "filter": companies,
            "page": page,
            "counts": _tabs(request),
            "querystring": _query(request.GET),
        },
    )


@admin_portal_view
def users_tab(request):
    org, user = request.organization, request.user
    users = UserFilter(
        request.GET,
        queryset=users_for_admin(user=user, organization=org),
        organization=org,
        members=members_for_admin(user=user, organization=org),
    )
    ordering, expressions = users.sort
    page = keyset_page(users.qs, ordering, request.GET, size=PAGE_SIZE, annotate=expressions)
    link_rows(page, name="member", organization=org, key="member_id", attr="member_url")
    return render(
        request,
        "adminportal/directory/users.html",
        {
            "tab": "users",
            "filter": users,
            "page": page,
            "counts": _tabs(request),
            "querystring": _query(request.GET),
        },
    )


# ------------------------------------------------------------ export

#: The file's columns; ``_export_row`` gives a member's cells in this order.
EXPORT_HEADER = [
    "member_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "status",
    "portal_access",
    "new",
    "company_id",
    "company",
    "company_manager",
    "location_id",
    "location",
    "plan_id",
    "plan",
    "membership",
    "added",
]


def _export_row(m: dict, zone) -> list:
    """A member read as values (``EXPORT_READS``): 100,000 model instances,
    with their company and location, were most of an export's time."""
    return [
        m["id"],
        m["first_name"],
        m["last_name"],
        m["email"],
        m["phone"],
        m["status"],
        m["portal_access"],
        "yes" if Member.new_by(m["invited_at"], m["first_login_at"]) else "",
        m["company_id"] or "",
        m["company__name"] or "",
        "yes" if m["is_manager"] else "",
        m["location_id"],
        m["location__name"],
        m["current_plan_id"] or "",
        m["current_plan_name"] or "",
        "active" if m["has_active_membership"] else "none",
        m["created_at"].astimezone(zone).isoformat(timespec="seconds"),
    ]


#: What ``_export_row`` reads (the sorts' keys are read beside them).
EXPORT_READS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "status",
    "portal_access",
    "invited_at",
    "first_login_at",
    "company_id",
    "company__name",
    "is_manager",
    "location_id",
    "location__name",
    "current_plan_id",
    "current_plan_name",
    "has_active_membership",
    "created_at",
)


class _Line:
    """A file-like object that hands back what the csv writer writes."""

    def write(self, value):
        return value


def _csv_lines(queryset, ordering, organization, zone):
    writer = csv.writer(_Line())
    # The response is read after the view returned, outside the request's
    # scope and time zone: the rows are read inside the organization's own
    # again, their dates shown in the zone the view had.
    with request_scope(organization):
        yield writer.writerow(EXPORT_HEADER)
        for chunk in chunks(queryset, ordering, size=EXPORT_CHUNK):
            yield "".join(writer.writerow(_export_row(member, zone)) for member in chunk)


@admin_portal_view
def members_export(request, tab):
    """What the tab shows with these filters, in its order, as CSV with the
    ids a re-import or a mass invite needs. Streamed: one chunk of rows in
    memory at a time; the first bytes leave before the last row is read."""
    members = _member_filter(request, tab)
    ordering, expressions = members.sort
    # Only the columns the file has: 100,000 rows of every column (six
    # timestamps a row to parse, the login's row) were half the time.
    keys = [name.lstrip("-") for name in ordering]
    queryset = (
        with_current_plan(members.qs)
        .annotate(**expressions)
        .values(*dict.fromkeys([*EXPORT_READS, *keys]))
    )
    directory_export_record(
        organization=request.organization,
        actor=request.user,
        tab=tab,
        filters=members.active_filters,
        rows=members.qs.count(),
    )
    response = StreamingHttpResponse(
        _csv_lines(queryset, ordering, request.organization, timezone.get_current_timezone()),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = (
        f'attachment; filename="{request.organization.slug}-{tab}-{stamp}.csv"'
    )
    return response


# ------------------------------------------------------------ bulk actions


def _selected(request, tab):
    """The members a bulk form names: ticked rows, or every row the filter
    (sent back as ``query``) matches. Only rows of this tab the admin may
    see; at most BULK_LIMIT."""
    if request.POST.get("all") == "1":
        members = _member_filter(request, tab, QueryDict(request.POST.get("query", "")))
        ordering, expressions = members.sort
        return list(members.qs.annotate(**expressions).order_by(*ordering)[: BULK_LIMIT + 1])
    ids = [int(pk) for pk in request.POST.getlist("member") if pk.isdigit()]
    queryset = directory_members(user=request.user, organization=request.organization, tab=tab)
    return list(queryset.filter(pk__in=ids[: BULK_LIMIT + 1]).order_by("first_name", "id"))


@require_POST
@admin_portal_view
def members_bulk(request, tab):
    action = request.POST.get("action")
    members = _selected(request, tab)
    back = redirect(f"{request.path.rsplit('bulk/', 1)[0]}?{request.POST.get('query', '')}")
    if not members:
        messages.error(request, _("Tick the members to change, or choose every member shown."))
        return back
    if len(members) > BULK_LIMIT:
        messages.error(
            request,
            _("That is more than %(bulk_limit)s members: narrow the filter and try again.")
            % {"bulk_limit": BULK_LIMIT},
        )
        return back
    if action == "status":
        form = StatusChangeForm(request.POST, member=None)
        if not form.is_valid():
            messages.error(request, form.error_text())
            return back
        results = members_change_status(
            members=members,
            status=form.cleaned_data["status"],
            actor=request.user,
            via=Via.ADMIN,
            reason=form.cleaned_data["reason"].strip(),
            over_seat_cap=form.cleaned_data["over_seat_cap"],
        )
    elif action == "invite":
        results = members_invite(members=members, actor=request.user, via=Via.ADMIN)
    else:
        raise PermissionDenied(_("No such bulk action."))
    return render(
        request,
        "adminportal/directory/bulk_result.html",
        {
            "tab": tab,
            "action": action,
            "results": results,
            "done": [r for r in results if r.refusal is None and not r.unchanged],
            "unchanged": [r for r in results if r.unchanged],
            "refused": [r for r in results if r.refusal],
            "back_query": request.POST.get("query", ""),
        },
    )
