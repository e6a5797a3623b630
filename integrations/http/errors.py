"""How every integration failure is reported: one exception, permanent or not.

The one rule the rest of the pipeline relies on: *every* failure a client can hit
while talking to a remote surfaces as :class:`DeliveryError`, and
``DeliveryError.permanent`` tells the caller whether retrying can ever help. The
delivery pipeline uses that to choose between "retry with backoff, honouring
``retry_after``" and "dead-letter now and show it to an admin".
"""

from __future__ import annotations

from typing import Any


class DeliveryError(Exception):
    """A push failed. ``permanent`` decides retry (False) versus dead-letter (True).

    ``retry_after`` is the remote's own hint in seconds (from ``Retry-After``), or None;
    the pipeline should wait at least that long before the next attempt.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.status_code = status_code

    def __str__(self) -> str:
        kind = "permanent" if self.permanent else "transient"
        parts = [f"{kind}: {self.message}"]
        if self.status_code is not None:
            parts.append(f"HTTP {self.status_code}")
        if self.retry_after is not None:
            parts.append(f"retry after {self.retry_after:g}s")
        return " | ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, permanent={self.permanent}, "
            f"retry_after={self.retry_after}, status_code={self.status_code})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Celery pickles exceptions raised by tasks; the default reduce would call
        # cls(message) and fail on the keyword-only ``permanent``.
        return (_unpickle_error, (type(self), self.args, self.__dict__.copy()))


def _unpickle_error(
    cls: type[DeliveryError], args: tuple[Any, ...], state: dict[str, Any]
) -> DeliveryError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigurationError(DeliveryError):
    """The connection itself is unusable (unknown kind, missing credential, bad URL).

    Always permanent: no amount of retrying fixes configuration.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class ReceiverGone(DeliveryError):
    """The remote answered 410 Gone: it wants nothing more from this
    connection (Cobot's convention for webhooks). The pipeline switches the
    connection off; the delivery waits with the rest until an admin switches
    it on again, so it is not permanent."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=False, status_code=410)


class Throttled(DeliveryError):
    """Not sent: the connection used up its rate limit (ours, before the
    remote says 429). Nothing reached the remote, so the attempt does not
    count; the pipeline pauses the connection for ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, permanent=False, retry_after=retry_after, status_code=None)


def pauses_connection(error: DeliveryError) -> bool:
    """The remote (429) or our own limit asks the whole connection to wait:
    every delivery to it waits, and the attempt is not counted."""
    return isinstance(error, Throttled) or error.status_code == 429
