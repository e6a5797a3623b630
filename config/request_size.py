"""A form too big to read gets its page back with a message, not Django's
bare "Bad Request (400)" (R7.1).

Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE, or with
more than DATA_UPLOAD_MAX_NUMBER_FIELDS/FILES, the first time anything
reads request.POST (the CSRF check, before any view). This middleware
reads it first. When Django refuses, nothing of the body can be trusted or
even seen (not the CSRF token either), so the request goes on as a GET:
the view shows its page (the form, empty), with the message on top, under
status 413. A GET changes nothing, so nothing was saved; and a POST-only
action (a button) is not run at all: it gets the 413 page.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.translation import gettext as _

from .errors import render_error

REFUSED = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def refusal_message(request, refused: Exception) -> str:
    if isinstance(refused, RequestDataTooBig):
        sent = request.META.get("CONTENT_LENGTH", "")
        size = f" ({_megabytes(int(sent))})" if sent.isascii() and sent.isdigit() else ""
        return (
            f"What you sent{size} is too large: this site takes up to "
            f"{_megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)} at once, so nothing was saved. "
            "Send less at a time, e.g. split a long paste into several."
        )
    return _(
        "What you sent has too many fields or files to read, so nothing was saved. "
        "Reload the page and send it again."
    )


class RequestSizeMiddleware:
    """After the session and message middleware (the message needs them);
    its reading of POST happens before any middleware's process_view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        try:
            request.POST  # noqa: B018 (read now: Django refuses it here or never)
        except REFUSED as refused:
            return self._page_with_message(request, refusal_message(request, refused))
        return self.get_response(request)

    def _page_with_message(self, request, message):
        # Django has already emptied POST and FILES after refusing them.
        request.method = "GET"
        messages.error(request, message)
        response = self.get_response(request)
        if response.status_code == 200:
            response.status_code = 413
        elif response.status_code == 405:  # POST-only: there is no page to show
            list(messages.get_messages(request))  # shown here, not on the next page
            response = render_error(request, "413.html", 413, message=message)
        return response
