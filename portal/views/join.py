"""Public "request to join" page of a location (R4.5). No login."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_ratelimit.core import is_ratelimited

from members.actions.join_requests import join_request_submit
from members.forms.join_requests import JoinRequestForm
from organizations.models import Location
from tenancy.scoping import get_in_org_or_404

# A person may send a few requests an hour from one address; a location
# takes a bounded number a day, so a script cannot bury its admins.
PER_CLIENT = "5/h"
PER_LOCATION = "200/d"


def _rate_limited(request, location) -> bool:
    # "ip" is REMOTE_ADDR: behind a proxy, the deployment sets it right (a
    # trusted-proxy middleware); X-Forwarded-For is not trusted here.
    group = f"join-request:{location.pk}"
    per_client = is_ratelimited(request, group=group, key="ip", rate=PER_CLIENT, increment=True)
    per_location = is_ratelimited(
        request, group=group, key=lambda group, request: "all", rate=PER_LOCATION, increment=True
    )
    return per_client or per_location


@never_cache
def join_location(request, location_slug):
    # An archived location takes no requests: its page is gone.
    location = get_in_org_or_404(
        Location, request.organization, slug=location_slug, archived_at__isnull=True
    )
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST":
        if _rate_limited(request, location):
            form.add_error(
                None, _("Too many requests from your connection. Please try again in an hour.")
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
