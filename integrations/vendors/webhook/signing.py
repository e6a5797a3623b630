"""HMAC-SHA256 signatures for outgoing webhooks — the contract receivers implement.

Every webhook request carries:

``X-Flex-Timestamp: <t>``
    Unix time in whole seconds when the request was signed.
``X-Flex-Signature: v1=<hex>``
    ``<hex>`` is the lower-case hex HMAC-SHA256, keyed with the shared secret (UTF-8),
    of the bytes ``<t> + "." + <raw request body>``. The header may hold several
    comma-separated ``v1=`` entries (e.g. while a secret is being rotated); a request is
    authentic if any of them matches.
``Idempotency-Key: <key>``
    Same value as the body's ``id``; a retried delivery reuses it, so receivers should
    ignore a key they have already processed.

To verify, a receiver must:

1. take the *raw* body bytes exactly as received (not re-serialised JSON);
2. reject the request if ``|now - t| > 300`` seconds — this bounds replay of a captured
   request to a five-minute window (together with Idempotency-Key, to none);
3. compute ``hmac_sha256(secret, f"{t}.".encode() + body).hexdigest()`` and compare it
   with each ``v1=`` value in constant time (``hmac.compare_digest``).

Python receivers can simply call :func:`verify`.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SCHEME = "v1"
DEFAULT_TOLERANCE = 300


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the ``X-Flex-Signature`` header value, ``v1=<hex>``, for this body."""
    if not secret:
        raise ValueError("webhook secret must not be empty")
    return f"{SCHEME}={_digest(secret, int(timestamp), body)}"


def verify(
    secret: str,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> bool:
    """True iff the signature matches ``body`` and the timestamp is within ``tolerance``.

    Never raises on malformed input — a bad header is simply not authentic.
    """
    if not secret or not timestamp_header or not signature_header:
        return False
    try:
        timestamp = int(timestamp_header.strip())
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = _digest(secret, timestamp, body)
    matched = False
    for part in signature_header.split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == SCHEME:
            # Check every candidate (no early exit) so timing does not reveal which matched.
            matched |= hmac.compare_digest(expected.encode(), value.strip().encode())
    return matched
