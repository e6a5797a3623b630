"""The permission every integrations page checks, and the log they lead back to."""

from functools import wraps

from django.shortcuts import render
from django.urls import reverse

from organizations.decorators import admin_portal_view
from organizations.permissions import can_manage_organization_settings


def integrations_view(view):
    @admin_portal_view
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_manage_organization_settings(request.user, request.organization):
            return render(request, "integrations/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _log_url(request):
    return reverse("integrations:deliveries", kwargs={"org_slug": request.organization.slug})
