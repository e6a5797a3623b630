"""htmx swaps a fragment into the page; some answers are not fragments.

A redirect (say, to the login page once the session has ended) would be
followed by htmx and the login form swapped into a table row; a 403 or 404
page (the setting was switched off, the member's access ended) is not
swapped at all by htmx 2, so the click would seem to do nothing. Both become
full-page navigations, so the person sees the page that explains.
"""

from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh


class HtmxFullPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, "htmx", False):
            return response
        if response.status_code in (301, 302, 303, 307, 308):
            return HttpResponseClientRedirect(response["Location"])
        if response.status_code in (403, 404):
            return HttpResponseClientRefresh()
        return response
