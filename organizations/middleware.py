from django.http import Http404

from .models import Organization


class OrganizationMiddleware:
    """Resolve the request's organization once, from the ``/o/<org_slug>/`` prefix.

    Views under that prefix never receive ``org_slug``; they read
    ``request.organization``. An unknown slug is a 404.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.pop("org_slug", None)
        if slug is None:
            return None
        try:
            request.organization = Organization.objects.get(slug=slug)
        except Organization.DoesNotExist:
            raise Http404("No such organization.") from None
        return None
