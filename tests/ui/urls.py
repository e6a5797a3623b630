"""The project's urls and error handlers, plus views that fail in each way
the error pages cover, so the browser suite can look at every error page."""

from django.core.exceptions import PermissionDenied
from django.urls import path
from django_ratelimit.exceptions import Ratelimited

from config import errors
from config.urls import *  # noqa: F403 (the project's error handlers)
from config.urls import urlpatterns as project_urlpatterns


def _server_error(request):
    raise RuntimeError("a failing view for the browser suite")


def _forbidden(request):
    raise PermissionDenied("a refusal for the browser suite")


def _rate_limited(request):
    raise Ratelimited()


def _form_expired(request):
    return errors.csrf_failure(request)


# Under a portal's path too: the way back depends on where the error happened.
urlpatterns = [
    path("test-errors/500/", _server_error),
    path("test-errors/403/", _forbidden),
    path("test-errors/429/", _rate_limited),
    path("test-errors/403-csrf/", _form_expired),
    path("o/<slug:org_slug>/admin/test-errors/500/", _server_error),
    path("o/<slug:org_slug>/portal/test-errors/403/", _forbidden),
    *project_urlpatterns,
]
