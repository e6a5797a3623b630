"""A tiny real-HTTP server base for stand-ins of the remote systems.

Why real HTTP on 127.0.0.1 and not httpx.MockTransport: the delivery pipeline's Celery
worker runs in another process and must reach the stub over the network, and real
sockets are what make timeouts, connection errors and concurrent requests real.

Each stub:

- listens on an ephemeral port in a daemon thread (``with HubSpotStub() as stub:``);
- records every request (:class:`RecordedRequest`) in a thread-safe list;
- keeps the remote's state behind one lock, so concurrent requests (threads here, a
  worker process elsewhere) see a consistent remote;
- can be told to misbehave for the next request(s): :meth:`StubServer.fail_next`,
  including "do the work, then drop the connection without answering" (the
  answer lost on the way back, which the pipeline must survive).

Subclasses set ``stub_name``, implement :meth:`StubServer.reset_state` (fresh remote
state) and :meth:`StubServer.handle` (one request → one :class:`Response`, called with the
lock held), and may override :meth:`StubServer.parse_body`.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, str]  # last value wins
    headers: dict[str, str]  # keys lower-cased
    body: Any  # parsed (JSON / XML-RPC params); None if absent or unparseable
    raw: bytes
    received_at: float  # time.time() when the request line was read
    # The injected fault it got; it then changed nothing, unless the fault
    # was a ``drop`` (applied, answer lost).
    fault: Fault | None = None

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


@dataclass
class Response:
    status: int = 200
    body: Any = None  # dict/list → JSON; bytes/str → sent as is
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")


@dataclass(frozen=True)
class Fault:
    status: int | None = None
    retry_after: float | str | None = None
    hang: float | None = None
    body: Any = None
    drop: bool = False  # apply the request, then close without answering
    method: str | None = None  # only requests with this method …
    path: str | None = None  # … and a path starting with this, if set …
    contains: str | None = None  # … and this text in the body or a query value

    def matches(self, request: RecordedRequest) -> bool:
        return (
            (self.method is None or self.method == request.method)
            and (self.path is None or request.path.startswith(self.path))
            and (self.contains is None or self.contains in _searchable(request))
        )


def _searchable(request: RecordedRequest) -> str:
    return request.raw.decode("utf-8", "replace") + "\n" + "\n".join(request.query.values())


class StubServer:
    """Base class; see the module docstring."""

    stub_name = "stub"
    #: HTTP/1.1 with keep-alive, as real remotes answer (the benchmark, to
    #: measure reused connections); off by default, so no idle connection's
    #: thread outlives a test.
    keep_alive = False

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._requests: list[RecordedRequest] = []
        self._faults: deque[Fault] = deque()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._idle = threading.Condition(self.lock)
        self._in_flight = 0
        #: Requests whose sender went away before the whole body came.
        self.cut_off = 0
        self.reset_state()

    # -- lifecycle -----------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((host, port), _KeepAliveHandler if self.keep_alive else _Handler)
        server.stub = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},  # how fast stop() returns
            name=f"{self.stub_name}-stub",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes handlers sleeping in a "hang" fault
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{self.stub_name} stub is not running")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def credentials(self) -> dict[str, Any]:
        """The credentials dict a connection to this stub needs (see ``Vendor.build_client``)."""
        return {}

    @property
    def client_url(self) -> str:
        """The ``base_url`` to configure a client with (the webhook stub adds its path)."""
        return self.url

    # -- test helpers --------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        with self.lock:
            return list(self._requests)

    def requests_to(self, method: str, path_prefix: str = "/") -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def fail_next(
        self,
        status: int | None = None,
        *,
        retry_after: float | str | None = None,
        hang: float | None = None,
        body: Any = None,
        times: int = 1,
        drop: bool = False,
        method: str | None = None,
        path: str | None = None,
        contains: str | None = None,
    ) -> None:
        """Make the next ``times`` requests fail; queued faults apply in call order.

        ``status`` answers with that code (and ``Retry-After`` if given) without touching
        state. ``hang`` sleeps that many seconds first; with no ``status`` the request is
        then processed normally — like a remote that did the work but answered too late
        for the client, which is exactly what idempotency must survive.
        ``drop`` processes the request normally and then closes the connection without
        a response: the remote acted, the client never hears so (a lost answer).
        ``method``/``path`` (prefix) restrict a fault to matching requests; others pass.
        ``contains`` restricts it to requests with that text in the body or a query value
        (e.g. one member's email: a fault for that member only, whatever else is sent).
        Requests that got a fault carry it in :attr:`RecordedRequest.fault`.
        """
        if status is None and hang is None and not drop:
            raise ValueError("fail_next needs a status, a hang, or a drop")
        if drop and status is not None:
            raise ValueError("a dropped request gets no status")
        fault = Fault(status, retry_after, hang, body, drop, method, path, contains)
        with self.lock:
            self._faults.extend([fault] * times)

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Block until no request is being handled (e.g. one a client timed out on).

        A timed-out request may still complete on the remote; a pipeline retries only
        after a backoff, so tests that simulate the retry wait for this first.
        """
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout):
                raise TimeoutError(f"{self.stub_name} stub still busy after {timeout}s")

    @property
    def pending_faults(self) -> int:
        with self.lock:
            return len(self._faults)

    def reset(self) -> None:
        """Forget requests, queued faults and all remote state."""
        with self.lock:
            self._requests.clear()
            self._faults.clear()
            self.reset_state()

    def _take_fault(self, request: RecordedRequest) -> Fault | None:
        for index, fault in enumerate(self._faults):
            if fault.matches(request):
                del self._faults[index]
                return fault
        return None

    # -- subclass hooks ------------------------------------------------------------------

    def reset_state(self) -> None:
        """Initialise the remote's state (called from __init__ and reset())."""

    def parse_body(self, raw: bytes, headers: dict[str, str]) -> Any:
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def handle(self, request: RecordedRequest) -> Response:
        """Answer one request; called with ``self.lock`` held."""
        return Response(404, {"message": "not found"})

    # -- plumbing ------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self._in_flight += 1
        try:
            self._serve_one(handler)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _serve_one(self, handler: BaseHTTPRequestHandler) -> None:
        received_at = time.time()
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if len(raw) < length:
            # The sender died mid-request (a worker killed while sending): no
            # HTTP server hands a cut-off body to its application, so this
            # was never a request, and a test must not count it as one.
            handler.close_connection = True
            with self.lock:
                self.cut_off += 1
            return
        headers = {key.lower(): value for key, value in handler.headers.items()}
        parts = urlsplit(handler.path)
        request = RecordedRequest(
            method=handler.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=headers,
            body=self.parse_body(raw, headers),
            raw=raw,
            received_at=received_at,
        )
        with self.lock:
            fault = self._take_fault(request)
            if fault is not None:
                request = replace(request, fault=fault)
            self._requests.append(request)

        if fault is not None and fault.hang and self._stopping.wait(fault.hang):
            return  # shutting down: drop the connection unanswered
        if fault is not None and fault.status is not None:
            response = Response(fault.status, fault.body or {"message": "injected fault"})
            if fault.retry_after is not None:
                value = fault.retry_after
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                response.headers["Retry-After"] = str(value)
        else:
            try:
                with self.lock:
                    response = self.handle(request)
            except Exception:  # a stub bug should be loud, not a hung test
                response = Response(500, {"message": traceback.format_exc()})
        if fault is not None and fault.drop:
            handler.close_connection = True  # the socket closes with nothing sent
            return
        _write(handler, response)


def _write(handler: BaseHTTPRequestHandler, response: Response) -> None:
    payload = response.encode()
    try:
        handler.send_response(response.status)
        if payload:
            handler.send_header("Content-Type", response.content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if payload and handler.command != "HEAD":
            handler.wfile.write(payload)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (timeout); nothing to tell it


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler stuck in a "hang" must not block shutdown
    request_queue_size = 128  # the default backlog of 5 drops bursts of concurrent clients


class _Handler(BaseHTTPRequestHandler):
    server_version = "FlexStub/1.0"
    # HTTP/1.0: one request per connection, so no idle keep-alive threads linger.
    protocol_version = "HTTP/1.0"

    def _dispatch(self) -> None:
        self.server.stub._serve(self)  # type: ignore[attr-defined]

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # keep test output clean; requests are recorded instead


class _KeepAliveHandler(_Handler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes: without this, Nagle's
        # algorithm holds the body until the client's delayed ACK (~40 ms).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def bearer_ok(request: RecordedRequest, token: str) -> bool:
    return request.header("authorization") == f"Bearer {token}"


def json_error(status: int, message: str, **extra: Any) -> Response:
    return Response(status, {"message": message, **extra})
