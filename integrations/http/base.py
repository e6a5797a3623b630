"""Shared building blocks for the outbound integration clients: the member as
remotes see it (:class:`Person`), one way to build an HTTP client and send a request
(:func:`make_http_client`, :func:`send`) and the base every vendor's client extends.

Everything here is plain Python + httpx on purpose: the clients are the network edge of
the delivery pipeline and must be testable (and reusable) without Django. Failures are
:class:`~integrations.http.errors.DeliveryError` (see there).
"""

from __future__ import annotations

import email.utils
import functools
import ssl
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import (
    Any,
    ClassVar,
    ParamSpec,
    Protocol,
    Self,
    TypedDict,
    TypeVar,
    runtime_checkable,
)

import httpx

from .addresses import public_only_transport
from .errors import ConfigurationError, DeliveryError

USER_AGENT = "flexcommunity-integrations/1.0 (+https://flexcommunity.invalid)"

#: Statuses a member can have, as pushed to remotes.
#: "awaiting_approval": a contact person asked for them to become Active and
#: no admin decided yet (R8.2); like every status but "active", no access.
STATUSES = frozenset({"active", "contact", "former", "removed", "awaiting_approval"})

#: 4xx codes that describe a temporary condition rather than a bad request:
#: 408 Request Timeout, 409 Conflict (usually a concurrent write on the remote side),
#: 425 Too Early, 429 Too Many Requests. Every other 4xx is permanent.
TRANSIENT_4XX = frozenset({408, 409, 425, 429})

#: Retry-After is only meaningful on these codes (RFC 9110 §10.2.3).
RETRY_AFTER_STATUSES = frozenset({429, 503})

#: How much of a remote's error body is kept in the error message (for the delivery log).
_BODY_EXCERPT = 300


#: Person fields that are not the member's data (see ``to_dict``).
CONVERGENCE_HINTS = ("other_door_groups", "other_printing_groups")


@dataclass(frozen=True)
class Person:
    """The member snapshot every client pushes.

    Frozen and primitive-only so an outbox row can be turned into one without touching
    the ORM, and so a retried delivery sends exactly what the first attempt sent.
    """

    member_id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    company: str
    status: str  # "active" | "contact" | "former" | "removed" | "awaiting_approval"
    location: str
    organization: str
    # What the member's location and plans give (members/plan_access.py,
    # Location.door_group / printing_group). Defaults: what a member got
    # before locations and plans said anything.
    door_group: str = ""
    printing_group: str = ""
    door_access: bool = True
    printing_access: bool = True
    # The groups the organization's other locations name: a member who moved
    # leaves them (access systems converge on the current location's only).
    other_door_groups: tuple[str, ...] = ()
    other_printing_groups: tuple[str, ...] = ()

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def may_open_doors(self) -> bool:
        return self.is_active and self.door_access

    @property
    def may_print(self) -> bool:
        return self.is_active and self.printing_access

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part).strip()

    def to_dict(self) -> dict[str, Any]:
        """What a webhook receiver is sent: the member, without the other
        locations' groups (how access systems converge, not about them)."""
        return {k: v for k, v in asdict(self).items() if k not in CONVERGENCE_HINTS}


def is_transient_status(status_code: int) -> bool:
    """True when an HTTP status means "try again later"."""
    return status_code >= 500 or status_code in TRANSIENT_4XX


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Parse a ``Retry-After`` header (delta-seconds or HTTP-date) into seconds from now.

    Returns None for a missing or unparseable header; a date in the past yields 0.0.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        # float() accepts "nan"/"inf"; neither is a usable delay.
        return max(0.0, seconds) if seconds == seconds and seconds != float("inf") else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT by definition
        when = when.replace(tzinfo=UTC)
    current = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


def make_timeout(timeout: float) -> httpx.Timeout:
    """Explicit connect/read/write/pool timeouts; connecting never waits longer than 5 s."""
    return httpx.Timeout(connect=min(timeout, 5.0), read=timeout, write=timeout, pool=timeout)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One CA-verifying SSL context per process.

    Building it (loading the CA bundle) costs ~30-50 ms, more than a typical request;
    a worker that builds a client per delivery would pay that every time. SSLContext is
    safe to share between clients and threads.
    """
    return httpx.create_ssl_context()


def make_http_client(
    base_url: str,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
    allow_private_hosts: bool = False,
) -> httpx.Client:
    """Build the httpx client every integration uses.

    Redirects are not followed: a remote API that redirects is misconfigured (or an
    http→https hop that would re-send credentials), and :func:`send` reports it as a
    permanent error instead of silently following it.

    Unless ``allow_private_hosts``, connections to loopback, private, link-local and
    other non-public addresses are refused when the socket is opened (see
    :mod:`.addresses`), as a permanent :class:`ConfigurationError`.
    """
    merged = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    merged.update(headers or {})
    guard: dict[str, Any] = {}
    if not allow_private_hosts:
        guard = {"transport": public_only_transport(_ssl_context()), "trust_env": False}
    return httpx.Client(
        base_url=base_url,
        headers=merged,
        timeout=make_timeout(timeout),
        follow_redirects=False,
        verify=_ssl_context(),
        **guard,
    )


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    ok_statuses: frozenset[int] = frozenset(),
    timeout: float | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request; return the response or raise :class:`DeliveryError`.

    This is the single place where httpx exceptions and non-2xx statuses become
    DeliveryError, so every client classifies failures identically. ``ok_statuses``
    lists extra non-2xx codes the caller handles itself (e.g. 404 on DELETE).
    """
    request_timeout = make_timeout(timeout) if timeout is not None else client.timeout
    what = _label(method, url or str(client.base_url))
    try:
        response = client.request(method, url, timeout=request_timeout, **kwargs)
    except httpx.TimeoutException as exc:
        raise DeliveryError(f"{what}: timed out ({type(exc).__name__})", permanent=False) from exc
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise ConfigurationError(f"{what}: invalid URL ({exc})") from exc
    except httpx.TransportError as exc:
        raise DeliveryError(f"{what}: network error ({exc!r})", permanent=False) from exc
    except httpx.HTTPError as exc:  # anything else httpx raises while sending
        raise DeliveryError(f"{what}: {exc!r}", permanent=False) from exc

    status = response.status_code
    if response.is_success or status in ok_statuses:
        return response
    raise error_from_response(response, what=what)


def error_from_response(response: httpx.Response, *, what: str = "") -> DeliveryError:
    """Classify a non-success response into a DeliveryError."""
    status = response.status_code
    retry_after = None
    if status in RETRY_AFTER_STATUSES:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
    excerpt = _excerpt(response)
    label = what or _label(response.request.method, str(response.request.url))
    if 300 <= status < 400:
        location = response.headers.get("Location", "?")
        message = f"{label}: unexpected redirect to {location} (check the base URL)"
        return DeliveryError(message, permanent=True, status_code=status)
    message = f"{label}: {status} {response.reason_phrase}"
    if excerpt:
        message += f": {excerpt}"
    return DeliveryError(
        message,
        permanent=not is_transient_status(status),
        retry_after=retry_after,
        status_code=status,
    )


def json_body(response: httpx.Response) -> Any:
    """Decode a JSON response; a garbled body is treated as transient (proxy, outage page)."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise DeliveryError(
            f"{_label(response.request.method, str(response.request.url))}: response is not JSON: "
            f"{_excerpt(response)}",
            permanent=False,
            status_code=response.status_code,
        ) from exc


def require_email(person: Person) -> str:
    """Every remote keys people by email; without one the push can never succeed."""
    address = person.email.strip()
    if not address or "@" not in address:
        raise DeliveryError(
            f"member {person.member_id} has no usable email address", permanent=True
        )
    return address


def _excerpt(response: httpx.Response) -> str:
    try:
        text = response.text
    except Exception:  # undecodable bodies are not worth failing over
        return ""
    text = " ".join(text.split())
    return text[:_BODY_EXCERPT] + ("…" if len(text) > _BODY_EXCERPT else "")


def _label(method: str, url: str) -> str:
    """``METHOD url`` for error messages, without the query string.

    Error messages end up in the admin-visible delivery log; some webhook URLs carry
    tokens in their query, so it is dropped.
    """
    return f"{method} {url.split('?', 1)[0]}"


def unix_now() -> int:
    return int(time.time())


P = ParamSpec("P")
R = TypeVar("R")


def unexpected_shape_is_transient(push: Callable[P, R]) -> Callable[P, R]:
    """Decorate ``push``: a remote answer missing fields we index (``KeyError`` & co.)
    becomes a transient DeliveryError instead of escaping as a bare exception.

    Transient, because it is usually a proxy or a half-deployed remote; a lasting API
    change still ends up dead-lettered once the retry budget is spent.
    """

    @functools.wraps(push)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return push(*args, **kwargs)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise DeliveryError(
                f"unexpected response from the remote ({type(exc).__name__}: {exc})",
                permanent=False,
            ) from exc

    return wrapper


@runtime_checkable
class Client(Protocol):
    """What the delivery pipeline needs from every integration client."""

    def push(self, person: Person, *, idempotency_key: str) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...


class ClientOptions(TypedDict, total=False):
    """How a client connects, whatever the vendor. A client's constructor takes its
    credentials and passes these on to :class:`BaseClient` untouched."""

    #: Seconds per request (connecting never waits longer than 5).
    timeout: float
    #: Reach loopback and private networks (self-hosted systems, local stubs);
    #: refused by default (see :mod:`.addresses`).
    allow_private_hosts: bool
    #: Called before every request; raises :class:`~.errors.Throttled` when
    #: the connection's rate limit is used up (see ``integrations/throttle.py``).
    throttle: Callable[[], None] | None


class BaseClient:
    """Owns the httpx client and gives every integration ``close()`` and ``with`` support.

    A vendor's client takes its credentials as keyword arguments (named as the
    vendor's ``Credential`` keys) and ``**options: Unpack[ClientOptions]``, which it
    hands on to this constructor, and implements ``push``.
    """

    #: Names the vendor in error messages.
    kind: ClassVar[str] = ""

    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        timeout: float = 10.0,
        allow_private_hosts: bool = False,
        throttle: Callable[[], None] | None = None,
    ) -> None:
        if not base_url or not base_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"{self.kind or type(self).__name__}: invalid base URL")
        self.base_url = base_url
        self.timeout = timeout
        self.throttle = throttle
        self._http = make_http_client(
            base_url, headers=headers, timeout=timeout, allow_private_hosts=allow_private_hosts
        )

    def push(self, person: Person, *, idempotency_key: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:  # never include credentials
        return f"<{type(self).__name__} {self.base_url}>"

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if self.throttle is not None:
            self.throttle()
        return send(self._http, method, url, **kwargs)


def require_credential(kind: str, name: str, value: object) -> str:
    """Reject empty credentials up front: a 401 later would only be a slower "no"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ConfigurationError(f"{kind}: credential {name!r} is missing")
    return str(value)
