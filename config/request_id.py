"""One id per request: on the response (X-Request-ID), on every log line
the request writes, and on the error pages, so a person can quote it and
support can find the request in the logs.

A proxy or load balancer that already sets X-Request-ID (nginx's
$request_id, Heroku's router) is followed when its value looks like an id;
anything else (too long, spaces, line breaks, markup) is replaced by a new
one, since it is echoed in a header and on a page.
"""

import logging
import re
import uuid

from audit.context import request_id as _current

SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get("X-Request-ID", "")
        request.id = sent if SANE_ID.fullmatch(sent) else uuid.uuid4().hex
        token = _current.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request.id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record ("-" outside a request: workers,
    commands). Django's own request log ("Not Found: …", "Internal Server
    Error: …") carries the request itself, written after the middleware
    returned: its id is taken from there."""

    def filter(self, record):
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "id", None) or _current.get()
        return True
