"""The request a change came from, known to the audit log without the
domain code importing the web layer: ``config/request_id.py`` sets it for
each request; workers and commands leave it at "-"."""

import contextvars

request_id = contextvars.ContextVar("request_id", default="-")
