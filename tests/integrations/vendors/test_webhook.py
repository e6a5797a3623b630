"""Signed webhooks: the documented algorithm, replay protection, idempotency keys."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from integrations.http import DeliveryError
from integrations.vendors.webhook.client import WebhookClient
from integrations.vendors.webhook.signing import sign, verify
from tests.integrations.helpers import make_person
from tests.stubs import WebhookStub

SECRET = "whsec_test"


def client_for(
    stub: WebhookStub, secret: str | None = None, url: str | None = None
) -> WebhookClient:
    return WebhookClient(
        url or stub.endpoint, secret=secret or stub.secret, timeout=2.0, allow_private_hosts=True
    )


def test_delivery_is_signed_and_shaped_as_documented(webhook: WebhookStub) -> None:
    before = int(time.time())
    with client_for(webhook) as client:
        client.push(make_person(), idempotency_key="evt-1", event_type="member.created")

    (request,) = webhook.requests
    assert (request.method, request.path) == ("POST", "/hooks/flex")
    assert request.header("content-type") == "application/json"
    assert request.header("idempotency-key") == "evt-1"
    timestamp = request.header("x-flex-timestamp")
    assert timestamp is not None and before <= int(timestamp) <= time.time()

    # Re-derive the signature by hand, exactly as the signing module's docstring says.
    expected = hmac.new(
        webhook.secret.encode(), f"{timestamp}.".encode() + request.raw, hashlib.sha256
    ).hexdigest()
    assert request.header("x-flex-signature") == f"v1={expected}"

    body = json.loads(request.raw)
    assert body == {
        "id": "evt-1",
        "type": "member.created",
        "created": int(timestamp),
        "data": make_person().to_dict(),
    }
    (delivery,) = webhook.deliveries
    assert delivery.verified


def test_default_event_type(webhook: WebhookStub) -> None:
    with client_for(webhook) as client:
        client.push(make_person(), idempotency_key="evt-1")
    assert webhook.deliveries[0].event_type == "member.updated"


def test_wrong_secret_is_rejected_by_the_receiver_permanently(webhook: WebhookStub) -> None:
    client = client_for(webhook, secret="not-the-secret")
    with client, pytest.raises(DeliveryError) as info:
        client.push(make_person(), idempotency_key="evt-1")
    assert info.value.permanent and info.value.status_code == 401
    assert not webhook.deliveries[0].verified


def test_retries_reuse_the_key_so_receivers_can_deduplicate(webhook: WebhookStub) -> None:
    webhook.fail_next(status=502)
    with client_for(webhook) as client:
        with pytest.raises(DeliveryError):
            client.push(make_person(), idempotency_key="evt-1")
        client.push(make_person(), idempotency_key="evt-1")
        client.push(make_person(), idempotency_key="evt-1")
    assert len(webhook.requests) == 3
    assert [d.idempotency_key for d in webhook.unique_deliveries()] == ["evt-1"]


def test_endpoint_url_is_used_verbatim(webhook: WebhookStub) -> None:
    with client_for(webhook, url=webhook.endpoint + "?tenant=9") as client:
        client.push(make_person(), idempotency_key="evt-1")
    (request,) = webhook.requests
    assert request.path == "/hooks/flex"  # no trailing slash added
    assert request.query == {"tenant": "9"}


# -- signing module --------------------------------------------------------------------


def test_sign_and_verify_round_trip() -> None:
    body = b'{"id":"evt-1"}'
    signature = sign(SECRET, 1_700_000_000, body)
    assert signature.startswith("v1=") and len(signature) == 3 + 64
    assert verify(SECRET, "1700000000", signature, body, now=1_700_000_010)


def test_tampered_body_fails() -> None:
    signature = sign(SECRET, 1_700_000_000, b'{"status":"former"}')
    assert not verify(SECRET, "1700000000", signature, b'{"status":"active"}', now=1_700_000_000)


def test_tampered_timestamp_fails() -> None:
    signature = sign(SECRET, 1_700_000_000, b"{}")
    assert not verify(SECRET, "1700000001", signature, b"{}", now=1_700_000_000)


def test_wrong_secret_fails() -> None:
    signature = sign(SECRET, 1_700_000_000, b"{}")
    assert not verify("other", "1700000000", signature, b"{}", now=1_700_000_000)


@pytest.mark.parametrize("skew", [-301, 301, 3600])
def test_stale_or_future_timestamp_fails(skew: int) -> None:
    signature = sign(SECRET, 1_700_000_000, b"{}")
    assert not verify(SECRET, "1700000000", signature, b"{}", now=1_700_000_000 + skew)


def test_tolerance_is_inclusive_and_configurable() -> None:
    signature = sign(SECRET, 1_700_000_000, b"{}")
    assert verify(SECRET, "1700000000", signature, b"{}", now=1_700_000_300)
    assert not verify(SECRET, "1700000000", signature, b"{}", now=1_700_000_060, tolerance=30)


def test_rotated_secret_any_of_several_signatures_matches() -> None:
    body = b"{}"
    header = f"{sign('old', 1_700_000_000, body)}, {sign(SECRET, 1_700_000_000, body)}"
    assert verify(SECRET, "1700000000", header, body, now=1_700_000_000)
    assert verify("old", "1700000000", header, body, now=1_700_000_000)


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [(None, "v1=00"), ("1700000000", None), ("yesterday", "v1=00"), ("1700000000", "garbage"),
     ("1700000000", ""), ("1700000000", "v0=" + "0" * 64)],
)  # fmt: skip
def test_malformed_headers_fail_without_raising(
    timestamp: str | None, signature: str | None
) -> None:
    assert not verify(SECRET, timestamp, signature, b"{}", now=1_700_000_000)


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        sign("", 1, b"")
    assert not verify("", "1", "v1=" + "0" * 64, b"", now=1)
