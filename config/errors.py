"""The error pages (templates/4xx.html, 500.html): what happened in words,
a way back, the request id for support, never a traceback.

Rendered without the request's context processors: an error page must not
need the database or a session (a 500 may be the database itself), so
these views pass only what the templates show.
"""

import logging
import re

from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ratelimit.exceptions import Ratelimited

logger = logging.getLogger(__name__)


# The portal a path is in, read from the path alone (the database may be
# what failed): an error there offers that portal's start page.
PORTAL_PATH = re.compile(r"^/o/(?P<org>[-a-zA-Z0-9_]+)/(?P<portal>admin|portal)/")
PORTAL_WAY_BACK = {
    "admin": gettext_lazy("Back to the admin portal"),
    "portal": gettext_lazy("Back to the member portal"),
}


def way_back(path: str) -> tuple[str, str]:
    """(address, words) of the link back from an error page at ``path``."""
    match = PORTAL_PATH.match(path or "")
    if match is None:
        return "/", _("Back to the start page")
    return match.group(0), str(PORTAL_WAY_BACK[match["portal"]])


def render_error(request, template: str, status: int, **context) -> HttpResponse:
    request_id = getattr(request, "id", "")
    back_url, back_words = way_back(getattr(request, "path", ""))
    html = loader.get_template(template).render(
        {"request_id": request_id, "back_url": back_url, "back_words": back_words, **context}
    )
    response = HttpResponse(html, status=status)
    if request_id:
        response["X-Request-ID"] = request_id
    return response


def bad_request(request, exception=None):
    return render_error(request, "400.html", 400)


def permission_denied(request, exception=None):
    # django-ratelimit's "blocked" is a PermissionDenied; it is not a refusal
    # of the person, just of the pace.
    if isinstance(exception, Ratelimited):
        return too_many_requests(request, exception)
    return render_error(request, "403.html", 403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: nearly always a form left open across a login,
    logout or an expired session. Say what to do, not "CSRF"."""
    return render_error(request, "403_csrf.html", 403)


def page_not_found(request, exception=None):
    return render_error(request, "404.html", 404)


def too_many_requests(request, exception=None):
    """handler429 (allauth's login limits) and blocked django-ratelimit views."""
    return render_error(request, "429.html", 429)


def server_error(request):
    try:
        return render_error(request, "500.html", 500)
    except Exception:
        # The page itself failed (a missing static manifest, say): still no
        # traceback, still the id.
        logger.exception("The 500 page could not be rendered")
        request_id = getattr(request, "id", "")
        return HttpResponse(
            "<!doctype html><title>Server error</title><h1>Something went wrong on our side"
            f'</h1><p><a href="/">Back to the start page</a></p><p>Request id: {request_id}</p>',
            status=500,
        )
