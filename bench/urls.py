"""The project's urls plus the bare view bench/directory.py measures every
page against: logged in, an admin of the organization, through the same
middleware, and nothing else."""

from django.http import HttpResponse
from django.urls import path

from config.urls import *  # noqa: F403 (the project's error handlers)
from config.urls import urlpatterns as project_urlpatterns
from organizations.decorators import admin_portal_view


@admin_portal_view
def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("o/<slug:org_slug>/admin/bench-bare/", bare), *project_urlpatterns]
