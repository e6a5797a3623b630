"""The project's urls plus the bare views bench/directory.py measures every
page against: logged in, an admin of the organization, through the same
middleware. The bare view answers "ok" and is the bar's baseline; the bare
layout renders the admin portal's layout with nothing in it, to show what
the layout itself costs."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from config.urls import *  # noqa: F403 (the project's error handlers)
from config.urls import urlpatterns as project_urlpatterns
from organizations.decorators import admin_portal_view


@admin_portal_view
def bare(request):
    return HttpResponse("ok")


@admin_portal_view
def bare_layout(request):
    return render(request, "adminportal/base.html")


urlpatterns = [
    path("o/<slug:org_slug>/admin/bench-bare/", bare),
    path("o/<slug:org_slug>/admin/bench-layout/", bare_layout),
    *project_urlpatterns,
]
