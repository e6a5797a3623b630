"""What the admin portal's pages share: finding a member, leading back to
it; which requests to join and notifications an admin sees."""

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from members.models import JoinRequest, Member
from members.selectors import members_for_admin
from notifications.models import Notification
from organizations.permissions import admin_locations
from tenancy.scoping import scoped

PAGE_SIZE = 50


def _member(request, pk) -> Member:
    """A member at one of the admin's locations; anything else is a 404."""
    return get_object_or_404(
        members_for_admin(user=request.user, organization=request.organization), pk=pk
    )


def _to_member(request, member):
    return redirect("adminportal:member", org_slug=request.organization.slug, pk=member.pk)


def _error_text(invalid) -> str:
    return " ".join(invalid.messages) if isinstance(invalid, ValidationError) else str(invalid)


def join_requests_for(request):
    """Requests to join the locations this admin manages."""
    return scoped(JoinRequest, request.organization).filter(
        location__in=admin_locations(request.user, request.organization)
    )


def notifications_for(request):
    """The notices addressed to this admin in this organization."""
    return Notification.objects.filter(recipient=request.user, organization=request.organization)


def link_rows(rows, *, name: str, organization, key: str = "pk", attr: str = "url", query=""):
    """Sets ``attr`` on each row to its page (``adminportal:<name>`` of the
    row's ``key``), reversed once for the whole list: a table of 50 rows
    with a ``{% url %}`` tag or two in each row spent more on reversing
    than on its query. ``query`` (already encoded) is added to each link."""
    marker = 2**62  # no real id is this big
    pattern = reverse(f"adminportal:{name}", args=[organization.slug, marker])
    before, after = pattern.split(str(marker))
    after = f"{after}?{query}" if query else after
    for row in rows:
        pk = getattr(row, key)
        setattr(row, attr, f"{before}{pk}{after}" if pk is not None else "")
    return rows


#: The directory tabs a member's page leads back to.
BACK_TABS = ("members", "contacts")


def back_query(tab: str, params) -> str:
    """What a member's link from a directory tab carries (``back=``) so
    that the member's page leads back to the tab as it was: filters, sort
    and page."""
    query = params.urlencode()
    if tab == "members" and not query:
        return ""  # the way back by default
    back = QueryDict(mutable=True)
    back["back"] = f"{tab}?{query}" if query else tab
    return back.urlencode()


def back_url(request) -> str:
    """Where a member's "← Members" link goes: the directory tab, with the
    filters it was opened from (``?back=``), checked: only a directory tab,
    its query re-encoded; anything else is the Members tab."""
    tab, _, query = request.GET.get("back", "").partition("?")
    if tab not in BACK_TABS:
        tab, query = "members", ""
    url = reverse(f"adminportal:{tab}", args=[request.organization.slug])
    query = QueryDict(query).urlencode()
    return f"{url}?{query}" if query else url


def forbidden(request, reason: str, back_url: str = ""):
    """The admin is in the right organization but lacks the permission: a
    403 that says which one (the object is theirs to know about)."""
    return render(
        request,
        "adminportal/forbidden.html",
        {"reason": reason, "back_url": back_url},
        status=403,
    )
