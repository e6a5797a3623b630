"""Admin portal: requests to join a location (R4.5)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.actions.join_requests import join_request_approve, join_request_reject
from members.models import JoinRequest
from organizations.decorators import admin_portal_view
from organizations.permissions import admin_locations

from ._shared import _error_text, join_requests_for


@admin_portal_view
def join_requests(request):
    rows = join_requests_for(request).select_related("location", "decided_by", "member")
    return render(
        request,
        "adminportal/join_requests.html",
        {
            "pending": rows.filter(state=JoinRequest.State.PENDING),
            "decided": rows.exclude(state=JoinRequest.State.PENDING)[:50],
            "locations": admin_locations(request.user, request.organization),
        },
    )


@require_POST
@admin_portal_view
def join_request_decide(request, pk, decision):
    if decision not in ("approve", "reject"):
        raise Http404("No such decision.")
    join_request = get_object_or_404(join_requests_for(request), pk=pk)
    try:
        if decision == "approve":
            member = join_request_approve(join_request=join_request, actor=request.user)
            messages.success(
                request,
                _("%(full_name)s is invited; the invitation is on its way to %(member_email)s.")
                % {"full_name": member.full_name, "member_email": member.email},
            )
        else:
            join_request_reject(join_request=join_request, actor=request.user)
            messages.success(
                request,
                _("%(full_name)s's request is rejected.") % {"full_name": join_request.full_name},
            )
    except (ValidationError, PermissionDenied) as refused:
        messages.error(request, _error_text(refused))
    return redirect("adminportal:join_requests", org_slug=request.organization.slug)
