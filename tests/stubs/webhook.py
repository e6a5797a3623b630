"""Webhook receiver stand-in that verifies signatures like a careful receiver would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.vendors.webhook.signing import verify

from .base import RecordedRequest, Response, StubServer, json_error


@dataclass(frozen=True)
class Delivery:
    idempotency_key: str | None
    event_type: str | None
    payload: Any
    raw: bytes
    timestamp: str | None
    signature: str | None
    verified: bool


class WebhookStub(StubServer):
    """Accepts ``POST`` on any path (give clients ``stub.endpoint``).

    Every POST is kept in :attr:`deliveries` with ``verified`` set from the documented
    algorithm (:func:`integrations.vendors.webhook.signing.verify`). With ``reject_invalid``
    (default) a bad signature gets 401, as a real receiver should answer.
    """

    stub_name = "webhook"

    def __init__(
        self,
        secret: str = "webhook-test-secret",
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
        timestamp = request.header("x-flex-timestamp")
        signature = request.header("x-flex-signature")
        verified = verify(self.secret, timestamp, signature, request.raw)
        payload = request.body if isinstance(request.body, dict) else None
        self._deliveries.append(
            Delivery(
                idempotency_key=request.header("idempotency-key"),
                event_type=payload.get("type") if payload else None,
                payload=request.body,
                raw=request.raw,
                timestamp=timestamp,
                signature=signature,
                verified=verified,
            )
        )
        if not verified and self.reject_invalid:
            return json_error(401, "invalid signature")
        return Response(200, {"received": True})
