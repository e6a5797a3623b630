"""Generic signed webhook: POST the member as JSON to a URL the organization chose.

The body is serialised once and the exact bytes sent are the bytes signed
(Standard Webhooks, see :mod:`.signing`). Body shape::

    {"id": <idempotency key>, "type": "member.updated", "created": <unix seconds>,
     "data": {<Person fields>}, ...extra top-level blocks the caller adds}

The delivery pipeline adds ``sequence`` (the member's event number: receivers order
by it, since a retried dead event arrives after newer ones), ``current`` and, for a
status change, ``previous``.

``id``, ``webhook-id`` and ``Idempotency-Key`` carry the same key on every retry of
one delivery, so receivers can drop duplicates. ``created`` and the signature timestamp
are taken when each attempt is sent (a retry an hour later must still pass the
receiver's freshness check).

A 410 Gone raises :class:`ReceiverGone`: the receiver wants no more events, and the
pipeline switches the connection off.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Unpack

from integrations.http.base import (
    BaseClient,
    ClientOptions,
    Person,
    require_credential,
    unexpected_shape_is_transient,
    unix_now,
)
from integrations.http.errors import ConfigurationError, DeliveryError, ReceiverGone

from . import signing

#: Event types the delivery pipeline sends; receivers should ignore unknown ones.
EVENT_TYPES = ("member.created", "member.updated", "member.status_changed", "member.removed")


class WebhookClient(BaseClient):
    kind: ClassVar[str] = "webhook"

    def __init__(
        self,
        base_url: str,
        secret: str,
        **options: Unpack[ClientOptions],
    ) -> None:
        self._secret = require_credential(self.kind, "secret", secret)
        try:
            signing.key_bytes(self._secret)
        except ValueError as error:
            raise ConfigurationError(f"{self.kind}: {error}") from None
        super().__init__(base_url, **options)

    @unexpected_shape_is_transient
    def push(
        self,
        person: Person,
        *,
        idempotency_key: str,
        event_type: str = "member.updated",
        extra: dict[str, Any] | None = None,
    ) -> None:
        """``extra``: more top-level blocks (e.g. ``previous``, ``current``)."""
        timestamp = unix_now()
        body = encode_body(person, idempotency_key, event_type, timestamp, extra)
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
            **signing.headers(self._secret, idempotency_key, timestamp, body),
        }
        # base_url is the complete endpoint; passing it as the request URL (rather than ""
        # relative to httpx's base_url, which appends a "/") keeps it byte-for-byte.
        try:
            self._send("POST", self.base_url, content=body, headers=headers)
        except DeliveryError as error:
            if error.status_code == 410:
                raise ReceiverGone(
                    f"{error.message}: the receiver no longer accepts these events"
                ) from error
            raise


def encode_body(
    person: Person,
    idempotency_key: str,
    event_type: str,
    timestamp: int,
    extra: dict[str, Any] | None = None,
) -> bytes:
    payload = {
        "id": idempotency_key,
        "type": event_type,
        "created": timestamp,
        "data": person.to_dict(),
    }
    payload |= {key: value for key, value in (extra or {}).items() if key not in payload}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
