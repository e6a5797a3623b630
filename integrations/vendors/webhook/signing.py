"""How outgoing webhooks are signed: Standard Webhooks (standardwebhooks.com),
so a receiver verifies with a ready library in any language.

Every request carries:

``webhook-id: <id>``
    The body's ``id`` (``delivery-1234``): the same on every retry of one
    delivery, so a receiver drops what it has already processed.
``webhook-timestamp: <t>``
    Unix seconds when this attempt was signed (a retry an hour later carries
    a fresh one and still passes the receiver's five-minute window).
``webhook-signature: v1,<base64>``
    Base64 of HMAC-SHA256 over ``f"{id}.{t}.{raw body}"``, keyed with the
    secret's key bytes (below).

The secret. A Standard Webhooks secret is ``whsec_`` followed by the key in
base64; new connections get one (:func:`generate_secret`). A secret saved
before Standard Webhooks is any string: its key is that string's UTF-8
bytes, the same key ``X-Flex-Signature`` has always used, so no receiver
has to change its secret. Its ``whsec_`` form, for a library that only takes
that, is :func:`standard_form`.

Until the next release every request also carries the old
``X-Flex-Timestamp`` and ``X-Flex-Signature: v1=<hex>`` (HMAC-SHA256 keyed
with the secret as typed, UTF-8, over ``f"{t}.{raw body}"``):
docs/integrations.md, "Migrating from X-Flex-Signature".

Signing is a few lines of the standard library rather than the
``standardwebhooks`` package: the tests verify with that package, which is
the independent check that we follow the standard.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
#: 32 bytes, as the standard suggests (24 to 64).
KEY_BYTES = 32


def generate_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def key_bytes(secret: str) -> bytes:
    """The HMAC key a secret stands for (see the module docstring)."""
    if not secret:
        raise ValueError("webhook secret must not be empty")
    if not secret.startswith(PREFIX):
        return secret.encode("utf-8")
    try:
        key = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("a whsec_ secret must be followed by base64") from None
    if not key:
        raise ValueError("webhook secret must not be empty")
    return key


def standard_form(secret: str) -> str:
    """The ``whsec_`` form of any secret: the same key, as every Standard
    Webhooks library takes it."""
    if secret.startswith(PREFIX):
        return secret
    return PREFIX + base64.b64encode(key_bytes(secret)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value, ``v1,<base64>``."""
    signed = f"{message_id}.{int(timestamp)}.".encode() + body
    digest = hmac.new(key_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every signature header of one request: the standard's and, for one
    release, the old ``X-Flex-*`` pair."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": signature(secret, message_id, timestamp, body),
        "X-Flex-Timestamp": str(int(timestamp)),
        "X-Flex-Signature": flex_signature(secret, timestamp, body),
    }


# -- X-Flex-Signature, sent beside the standard's until the next release ----------------


def flex_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The old ``X-Flex-Signature`` value, ``v1=<hex>``."""
    if not secret:
        raise ValueError("webhook secret must not be empty")
    message = f"{int(timestamp)}.".encode() + body
    return "v1=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
