"""The permission every integrations page checks, and the log they lead back to."""

from functools import wraps

from django.shortcuts import render
from django.urls import reverse

from background.selectors import silent_minutes, worker_is_silent
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


def _background():
    """Whether retries can be promised: only while a worker is running."""
    return {"worker_silent": worker_is_silent(), "silent_minutes": silent_minutes()}


def _log_url(request):
    return reverse("integrations:deliveries", kwargs={"org_slug": request.organization.slug})
