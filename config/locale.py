"""Every request in its reader's language and time zone (issue 16, item 5).

After OrganizationMiddleware, which sets ``request.organization``. The
language is the login's own choice, else the organization's default (on
its pages), else what the browser asks for (Accept-Language) among
settings.LANGUAGES. The time zone is the organization's default; a page
that lists rows of several locations shows each row's time in its own
location's zone with the ``at_location`` filter (organizations/templatetags/
zones.py), and says which zone when it differs from the page's.
"""

from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from organizations.locale import language_of, zone_of


class LocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        organization = getattr(request, "organization", None)
        user = getattr(request, "user", None)
        reader = user if user is not None and user.is_authenticated else None
        chosen = language_of(reader, organization)
        language = chosen or translation.get_language_from_request(request)
        # Both for this request only: what runs after it in the same thread
        # (the next request's middleware, an eager task, a test) must not
        # speak the last reader's language.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            if organization is not None:
                timezone.activate(zone_of(organization))
            else:
                timezone.deactivate()
            try:
                response = self.get_response(request)
            finally:
                timezone.deactivate()
        if chosen is None:
            # The browser's header chose: a cache must keep one copy per language.
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response
