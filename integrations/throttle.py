"""Each connection's rate limit: at most N requests in any window of S seconds.

Remotes limit requests per API key (HubSpot about 100 per 10 s, Capsule 4,000
an hour, Kisi about 5 a second: each vendor's ``rate_limit``, overridable per
connection). Going over earns 429s, and some remotes lock a key out for a
while, so the worker counts before it sends.

A sliding log, exact for any window (a fixed window lets twice the limit
through around its edge): the times of the requests of the last S seconds.
Shared by every worker process through Redis (one Lua call per request);
without Redis (``make run`` with its embedded broker) each process keeps its
own log, which is only as exact as there are worker processes.

A request over the limit is not sent and not waited for here (that would hold
a worker process that other connections' deliveries need): ``acquire`` raises
``Throttled`` with the seconds until a request is free again, and the
pipeline pauses the connection until then.
"""

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable

from django.conf import settings

from .http import Throttled

# KEYS[1]: the connection's log. ARGV: now, window, limit, a unique member.
# Returns 0 (taken) or the seconds until the oldest request leaves the window.
_SLIDING_LOG = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil(window * 1000))
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""


class LocalLog:
    """The sliding log in this process (no Redis)."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._logs: dict[str, deque] = {}
        self._lock = threading.Lock()

    def take(self, key: str, limit: int, window: float) -> float:
        now = self.clock()
        with self._lock:
            log = self._logs.setdefault(key, deque())
            while log and log[0] <= now - window:
                log.popleft()
            if len(log) < limit:
                log.append(now)
                return 0.0
            return log[0] + window - now


class RedisLog:
    def __init__(self, url: str, clock: Callable[[], float] = time.time):
        import redis

        self.clock = clock
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._redis.register_script(_SLIDING_LOG)

    def take(self, key: str, limit: int, window: float) -> float:
        member = uuid.uuid4().hex
        return float(self._script(keys=[key], args=[self.clock(), window, limit, member]))


_log = None


def _shared_log():
    global _log
    if _log is None:
        url = getattr(settings, "INTEGRATIONS_THROTTLE_REDIS_URL", settings.REDIS_URL)
        _log = RedisLog(url) if url else LocalLog()
    return _log


def for_connection(connection, *, log=None) -> Callable[[], None] | None:
    """What the connection's client calls before each request; None without a limit."""
    limit = connection.rate_limit
    if not limit:
        return None
    requests, window = limit
    # With its creation time: a recreated database (tests) reuses ids.
    key = f"flex:throttle:{connection.pk}:{connection.created_at.timestamp():.6f}"

    def acquire() -> None:
        wait = (log or _shared_log()).take(key, requests, window)
        if wait > 0:
            raise Throttled(
                f"{connection.name}: rate limit of {requests} requests per {window:g} s reached",
                retry_after=wait,
            )

    return acquire
