"""Public "request to join" page of a location (R4.5). No login."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from members.forms_invitations import JoinRequestForm
from members.join_requests import join_request_rate_limited, join_request_submit
from organizations.models import Location
from organizations.scoping import get_in_org_or_404


def _client(request) -> str:
    # Behind a proxy, the deployment's proxy sets REMOTE_ADDR correctly
    # (e.g. with a trusted-proxy middleware); X-Forwarded-For is not trusted here.
    return request.META.get("REMOTE_ADDR", "unknown")


@never_cache
def join_location(request, location_slug):
    location = get_in_org_or_404(Location, request.organization, slug=location_slug)
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST":
        if join_request_rate_limited(location=location, client=_client(request)):
            form.add_error(
                None, "Too many requests from your connection. Please try again in an hour."
            )
            return render(
                request, "join/request.html", {"form": form, "location": location}, status=429
            )
        if form.is_valid():
            data = form.cleaned_data
            if not data.pop("website"):
                join_request_submit(location=location, **data)
            return render(request, "join/sent.html", {"location": location, "email": data["email"]})
    return render(request, "join/request.html", {"form": form, "location": location})
