"""Webhook receiver stand-in that verifies signatures like a careful receiver would:
with the Standard Webhooks reference library, not with our own code."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

from .base import RecordedRequest, Response, StubServer, json_error

#: What a new connection's form offers: ``whsec_`` and base64.
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def receiver(secret: str) -> Webhook:
    """What docs/integrations.md tells receivers: a ``whsec_`` secret as it
    is, one saved before Standard Webhooks as its UTF-8 bytes."""
    return Webhook(secret) if secret.startswith("whsec_") else Webhook(secret.encode())


def flex_signature_ok(secret: str, request: RecordedRequest) -> bool:
    """The old ``X-Flex-Signature``, re-derived as the old docs describe it."""
    timestamp = request.header("x-flex-timestamp") or ""
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + request.raw, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(f"v1={expected}", request.header("x-flex-signature") or "")


@dataclass(frozen=True)
class Delivery:
    idempotency_key: str | None
    event_type: str | None
    payload: Any
    raw: bytes
    webhook_id: str | None
    timestamp: str | None
    signature: str | None
    #: standardwebhooks.Webhook(secret).verify(body, headers) passed.
    verified: bool
    #: The old X-Flex-Signature matched too.
    flex_verified: bool


class WebhookStub(StubServer):
    """Accepts ``POST`` on any path (give clients ``stub.endpoint``).

    Every POST is kept in :attr:`deliveries` with ``verified`` set by the
    ``standardwebhooks`` package. With ``reject_invalid`` (default) a bad signature
    gets 401, as a real receiver should answer.
    """

    stub_name = "webhook"

    def __init__(
        self,
        secret: str = STANDARD_SECRET,
        *,
        path: str = "/hooks/flex",
        reject_invalid: bool = True,
    ) -> None:
        self.secret = secret
        self.path = path
        self.reject_invalid = reject_invalid
        super().__init__()

    @property
    def credentials(self) -> dict[str, Any]:
        return {"secret": self.secret}

    @property
    def client_url(self) -> str:
        return self.endpoint

    def reset_state(self) -> None:
        self._deliveries: list[Delivery] = []

    @property
    def endpoint(self) -> str:
        return self.url + self.path

    @property
    def deliveries(self) -> list[Delivery]:
        with self.lock:
            return list(self._deliveries)

    def unique_deliveries(self) -> list[Delivery]:
        """Verified deliveries with duplicate Idempotency-Keys dropped, as a receiver would."""
        seen: set[str | None] = set()
        unique = []
        for delivery in self.deliveries:
            if delivery.verified and delivery.idempotency_key not in seen:
                seen.add(delivery.idempotency_key)
                unique.append(delivery)
        return unique

    def handle(self, request: RecordedRequest) -> Response:
        if request.method != "POST":
            return json_error(405, "method not allowed")
        try:
            receiver(self.secret).verify(request.raw, request.headers)
        except (WebhookVerificationError, ValueError):
            verified = False
        else:
            verified = True
        payload = request.body if isinstance(request.body, dict) else None
        self._deliveries.append(
            Delivery(
                idempotency_key=request.header("idempotency-key"),
                event_type=payload.get("type") if payload else None,
                payload=request.body,
                raw=request.raw,
                webhook_id=request.header("webhook-id"),
                timestamp=request.header("webhook-timestamp"),
                signature=request.header("webhook-signature"),
                verified=verified,
                flex_verified=flex_signature_ok(self.secret, request),
            )
        )
        if not verified and self.reject_invalid:
            return json_error(401, "invalid signature")
        return Response(200, {"received": True})
