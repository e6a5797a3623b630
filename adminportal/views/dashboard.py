"""Admin portal: the dashboard, where an admin lands (issue 12, item 5).

Every number is a link to the page that lists what it counts: the members
directory filtered to it (``?status=…&location=…&portal_access=…``), or the
invitations, requests to join, notifications and deliveries pages.
"""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse

from integrations.selectors import integration_health
from members.directory import member_counts_by_location
from members.models import JoinRequest, MemberStatus, PortalAccess
from members.seats import companies_near_cap
from members.selectors import recent_activity
from notifications.models import Notification
from organizations.decorators import admin_portal_view
from organizations.permissions import admin_locations, can_manage_organization_settings

from ._shared import join_requests_for, notifications_for


def _cells(choices, counts: dict, link) -> list[tuple[str, str, int, str]]:
    return [(value, label, counts.get(value, 0), link(value)) for value, label in choices]


def _links(organization, location=None):
    """Where each count leads: the directory tab that holds those rows.

    Active members are the Members tab; Contact and Former the "Contacts and
    Former" tab. Portal access is counted among Active members only, so it
    leads to the Members tab too."""
    members = reverse("adminportal:members", args=[organization.slug])
    contacts = reverse("adminportal:contacts", args=[organization.slug])
    here = {"location": location.pk} if location else {}

    def status(value):
        if value == MemberStatus.ACTIVE:
            return f"{members}?{urlencode(here)}" if here else members
        return f"{contacts}?{urlencode({'status': value, **here})}"

    def access(value):
        return f"{members}?{urlencode({'portal_access': value, **here})}"

    return status, access


@admin_portal_view
def dashboard(request):
    user, organization = request.user, request.organization
    locations = list(admin_locations(user, organization).order_by("name", "pk"))
    counted_at, counts = member_counts_by_location(organization=organization)
    rows, totals = [], {"total": 0, "status": {}, "portal_access": {}}
    for location in locations:
        here = counts.get(location.pk, {"total": 0, "status": {}, "portal_access": {}})
        status_link, access_link = _links(organization, location)
        rows.append(
            {
                "location": location,
                "total": here["total"],
                "statuses": _cells(MemberStatus.choices, here["status"], status_link),
                "access": _cells(PortalAccess.choices, here["portal_access"], access_link),
            }
        )
        totals["total"] += here["total"]
        for kind in ("status", "portal_access"):
            for value, n in here[kind].items():
                totals[kind][value] = totals[kind].get(value, 0) + n
    status_all, access_all = _links(organization)
    may_see_integrations = can_manage_organization_settings(user, organization)
    return render(
        request,
        "adminportal/dashboard.html",
        {
            "rows": rows,
            "totals": {
                "total": totals["total"],
                "statuses": _cells(MemberStatus.choices, totals["status"], status_all),
                "access": _cells(PortalAccess.choices, totals["portal_access"], access_all),
            },
            "several_locations": len(rows) > 1,
            "counted_at": counted_at,
            "pending_invitations": totals["portal_access"].get(PortalAccess.PENDING, 0),
            "open_join_requests": join_requests_for(request)
            .filter(state=JoinRequest.State.PENDING)
            .count(),
            "open_notifications": notifications_for(request)
            .filter(resolution=Notification.Resolution.OPEN)
            .count(),
            "health": integration_health(organization=organization)
            if may_see_integrations
            else None,
            "activity": recent_activity(
                user=user, organization=organization, members_here=totals["total"]
            ),
            # Issue 14: companies with at most one seat left (three queries).
            "near_cap": companies_near_cap(organization_id=organization.pk, locations=locations),
        },
    )
