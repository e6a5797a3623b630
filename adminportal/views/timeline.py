"""Admin portal: the activity timeline of a member or a company (R6.2,
R6.3; issue 13, item 5), newest first from the audit log, 20 entries at a
time. The member page includes the first page; the company page's card
asks for it when it comes into view. "Older" asks these views for the
next (htmx swaps it in; without JavaScript it is a page of its own)."""

from django.shortcuts import render
from django.urls import reverse

from members.selectors import company_timeline as company_entries
from members.selectors import member_timeline as member_entries
from organizations.decorators import admin_portal_view

from ._shared import _member
from .companies import _company


def _render(request, *, entries, cursor, more_url, title, back_url, with_member=False):
    context = {
        "with_member": with_member,
        "timeline": entries,
        "timeline_more": f"{more_url}?before={cursor}" if cursor else "",
        "first_page": not request.GET.get("before"),
        "title": title,
        "back_url": back_url,
    }
    if request.htmx:
        return render(request, "adminportal/_timeline_entries.html", context)
    return render(request, "adminportal/timeline.html", context)


@admin_portal_view
def member_timeline(request, pk):
    member = _member(request, pk)
    entries, cursor = member_entries(member=member, cursor=request.GET.get("before"))
    args = [request.organization.slug, member.pk]
    return _render(
        request,
        entries=entries,
        cursor=cursor,
        more_url=reverse("adminportal:member_timeline", args=args),
        title=member.full_name,
        back_url=reverse("adminportal:member", args=args),
    )


@admin_portal_view
def company_timeline(request, pk):
    company = _company(request, pk)
    entries, cursor = company_entries(
        company=company, user=request.user, cursor=request.GET.get("before")
    )
    args = [request.organization.slug, company.pk]
    return _render(
        request,
        entries=entries,
        cursor=cursor,
        more_url=reverse("adminportal:company_timeline", args=args),
        title=company.name,
        back_url=reverse("adminportal:company", args=args),
        with_member=True,
    )
