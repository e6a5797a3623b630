from contextlib import suppress

from django.http import Http404
from django.urls import Resolver404, resolve

from tenancy.scoping import request_scope

from .models import Organization


class OrganizationMiddleware:
    """Resolve the request's organization once, from the ``/o/<org>/`` prefix,
    and run the request in its scope (tenancy/scoping.py).

    Views under that prefix never receive ``org_slug``; they read
    ``request.organization``, and every tenant-owned query they make is
    filtered to it. An unknown slug is a 404. A request outside the prefix
    runs with no organization: a tenant-owned query there raises
    ``ScopeError`` (a 500 with the request id), never reads every tenant.

    The scope wraps the whole response, template rendering included, so the
    organization is read from the URL here rather than in ``process_view``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        slug = self._org_slug(request)
        if slug is not None:
            # Unknown: process_view answers 404.
            with suppress(Organization.DoesNotExist):
                request.organization = Organization.objects.get(slug=slug)
        with request_scope(request.organization):
            return self.get_response(request)

    @staticmethod
    def _org_slug(request) -> str | None:
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return None
        return match.kwargs.get("org_slug")

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.pop("org_slug", None)
        if slug is not None and request.organization is None:
            # Raised here, not in __call__, so that the middleware below
            # (htmx's full-page answers) still sees the 404.
            raise Http404("No such organization.")
        return None
