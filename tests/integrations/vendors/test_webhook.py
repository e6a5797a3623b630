"""Signed webhooks: Standard Webhooks headers (checked with the receivers'
library), the old X-Flex-Signature beside them, idempotency keys, secrets."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from integrations.http import ConfigurationError, DeliveryError, ReceiverGone
from integrations.vendors.webhook import signing
from integrations.vendors.webhook.client import WebhookClient
from tests.integrations.helpers import make_person
from tests.stubs import WebhookStub

SECRET = signing.generate_secret()


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
    assert request.header("webhook-id") == "evt-1"
    timestamp = request.header("webhook-timestamp")
    assert timestamp is not None and before <= int(timestamp) <= time.time()
    Webhook(webhook.secret).verify(request.raw, request.headers)

    # The old header, re-derived by hand as the old docs say, until the next release.
    assert request.header("x-flex-timestamp") == timestamp
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


def test_410_gone_is_the_receiver_saying_stop(webhook: WebhookStub) -> None:
    webhook.fail_next(status=410)
    with client_for(webhook) as client, pytest.raises(ReceiverGone) as info:
        client.push(make_person(), idempotency_key="evt-1")
    assert info.value.status_code == 410 and not info.value.permanent


def test_a_malformed_standard_secret_is_a_configuration_error(webhook: WebhookStub) -> None:
    with pytest.raises(ConfigurationError):
        client_for(webhook, secret="whsec_not base64!")


# -- signing module --------------------------------------------------------------------


def test_signature_verifies_with_the_standard_library() -> None:
    body = '{"id":"evt-1","name":"Zoë"}'.encode()
    now = int(time.time())
    headers = signing.headers(SECRET, "evt-1", now, body)
    assert Webhook(SECRET).verify(body, headers) == json.loads(body)
    # The library's own signer agrees byte for byte.
    library = Webhook(SECRET).sign("evt-1", datetime.fromtimestamp(now, UTC), body.decode())
    assert headers["webhook-signature"] == library


@pytest.mark.parametrize(
    "change",
    [
        {"body": b'{"id":"evt-1","name":"Zoe"}'},
        {"webhook-id": "evt-2"},
        {"webhook-timestamp": "+1"},
        {"secret": "other"},
    ],
)
def test_any_change_fails_verification(change: dict) -> None:
    body = '{"id":"evt-1","name":"Zoë"}'.encode()
    now = int(time.time())
    headers = signing.headers(SECRET, "evt-1", now, body)
    if "webhook-id" in change:
        headers["webhook-id"] = change["webhook-id"]
    if "webhook-timestamp" in change:
        headers["webhook-timestamp"] = str(now + 1)
    secret = signing.generate_secret() if "secret" in change else SECRET
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(change.get("body", body), headers)


@pytest.mark.parametrize("skew", [-301, 301, 3600])
def test_stale_or_future_timestamps_fail(skew: int) -> None:
    then = int(time.time()) + skew
    headers = signing.headers(SECRET, "evt-1", then, b"{}")
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(b"{}", headers)


def test_an_old_secret_is_its_utf8_bytes_and_has_a_standard_form() -> None:
    old = "Any long random string, as the form used to ask"
    headers = signing.headers(old, "evt-1", int(time.time()), b"{}")
    Webhook(old.encode()).verify(b"{}", headers)
    Webhook(signing.standard_form(old)).verify(b"{}", headers)
    assert signing.standard_form(SECRET) == SECRET


def test_generated_secrets_are_standard_and_fresh() -> None:
    secrets = {signing.generate_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert secret.startswith("whsec_") and len(signing.key_bytes(secret)) == 32


@pytest.mark.parametrize("secret", ["", "whsec_", "whsec_%%%", "whsec_abc"])
def test_unusable_secrets_are_refused(secret: str) -> None:
    with pytest.raises(ValueError):
        signing.key_bytes(secret)
    with pytest.raises(ValueError):
        signing.signature(secret, "evt-1", 1, b"{}")
