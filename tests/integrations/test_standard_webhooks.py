"""Webhooks signed by the Standard Webhooks scheme, verified the way a receiver
would (the ``standardwebhooks`` package, over real HTTP to the stub), and a
receiver's 410 Gone switching its connection off with a notice to admins."""

import json

import httpx
import pytest
from django.core import mail
from django.urls import reverse
from standardwebhooks import Webhook, WebhookVerificationError

from integrations.models import Connection, Delivery, DeliveryStatus
from integrations.services import KIND as DELIVERIES
from integrations.services import connection_save
from integrations.switch_off import connection_switch_off
from integrations.vendors.webhook.signing import standard_form
from members.actions.status import member_change_status
from members.models import MemberStatus
from notifications.models import Notification
from outbox.engine import sweep_due
from tests.stubs import WebhookStub

from .conftest import connect

pytestmark = pytest.mark.django_db


def headers_of(received) -> dict[str, str]:
    return {
        "webhook-id": received.webhook_id,
        "webhook-timestamp": received.timestamp,
        "webhook-signature": received.signature,
    }


def test_a_receiver_verifies_with_the_standard_webhooks_library(cast, run, webhook):
    connect(cast.org, webhook)
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    [received] = webhook.deliveries
    assert received.verified and received.flex_verified

    payload = Webhook(webhook.secret).verify(received.raw, headers_of(received))
    delivery = Delivery.objects.get()
    assert payload["id"] == received.webhook_id == delivery.idempotency_key
    assert received.signature.startswith("v1,")
    # What OfficeRnD and Cobot receivers expect beside the member: the change's
    # previous attributes and the member's event number.
    assert payload["type"] == "member.status_changed"
    assert payload["data"]["status"] == "former" and payload["previous"] == {"status": "active"}
    assert payload["sequence"] == delivery.event.sequence
    assert payload["current"]["status"] == "former"

    # One word of the body changed: the library refuses it, and so does the
    # receiver when the request is replayed to it over HTTP.
    tampered = received.raw.replace(b'"former"', b'"active"', 1)
    assert tampered != received.raw
    with pytest.raises(WebhookVerificationError):
        Webhook(webhook.secret).verify(tampered, headers_of(received))
    replayed = httpx.post(webhook.endpoint, content=tampered, headers=headers_of(received))
    assert replayed.status_code == 401
    assert [d.verified for d in webhook.deliveries] == [True, False]
    # Another webhook-id with the same signature is not authentic either.
    with pytest.raises(WebhookVerificationError):
        Webhook(webhook.secret).verify(received.raw, headers_of(received) | {"webhook-id": "x"})


def test_a_retry_carries_the_same_webhook_id_and_a_fresh_signature(cast, run, webhook):
    connect(cast.org, webhook)
    webhook.fail_next(503)
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    assert Delivery.objects.get().status == DeliveryStatus.FAILED
    Delivery.objects.update(next_attempt_at=Delivery.objects.get().created_at)
    run(sweep_due, DELIVERIES, grace=0)
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED

    first, second = webhook.requests
    key = Delivery.objects.get().idempotency_key
    assert first.header("webhook-id") == second.header("webhook-id") == key
    [received] = webhook.deliveries  # the 503 was injected before the receiver looked
    assert received.verified


def test_a_secret_saved_before_standard_webhooks_keeps_working(cast, run):
    """Its key is its UTF-8 bytes: a receiver passes those to the library, or
    the secret's whsec_ form to a library that only takes that."""
    old_secret = "an-old-secret-an-admin-typed-2024"
    with WebhookStub(secret=old_secret) as webhook:
        connect(cast.org, webhook)
        run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
        [received] = webhook.deliveries
    assert received.verified and received.flex_verified
    Webhook(old_secret.encode()).verify(received.raw, headers_of(received))
    Webhook(standard_form(old_secret)).verify(received.raw, headers_of(received))
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_410_gone_switches_the_connection_off_and_tells_the_admins(cast, run, webhook, client):
    connection = connect(cast.org, webhook, name="Warehouse")
    webhook.fail_next(410)
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")

    connection.refresh_from_db()
    assert not connection.enabled
    assert "410 Gone" in connection.switched_off_reason and connection.switched_off_at
    # The change waits with the connection (not dead): it goes once it is on.
    first = Delivery.objects.get()
    assert first.status == DeliveryStatus.FAILED and "410" in first.last_error

    notices = Notification.objects.filter(kind=Notification.Kind.CONNECTION_OFF)
    assert cast.owner in {n.recipient for n in notices}
    assert cast.mill_admin not in {n.recipient for n in notices}  # cannot switch it on
    assert all("Warehouse was switched off" in n.message for n in notices)
    assert any("Warehouse was switched off" in m.body for m in mail.outbox)

    client.force_login(cast.owner)
    page = client.get(reverse("integrations:connections", args=[cast.org.slug])).content.decode()
    assert "Switched off" in page and "410 Gone" in page
    edit = reverse("integrations:connection_edit", args=[cast.org.slug, connection.pk])
    assert "410 Gone" in client.get(edit).content.decode()

    # Nothing more is sent while it is off; a second 410 would not notify twice.
    run(member_change_status, member=cast.teammate, status=MemberStatus.ACTIVE, via="admin")
    Delivery.objects.update(next_attempt_at=first.created_at)
    run(sweep_due, DELIVERIES, grace=0)
    assert len(webhook.requests) == 1

    # The admin fixed the receiver and switches it on: both changes go, in order.
    run(
        connection_save,
        organization=cast.org,
        kind="webhook",
        name="Warehouse",
        base_url=connection.base_url,
        credentials={},
        enabled=True,
        connection=connection,
    )
    Delivery.objects.update(next_attempt_at=first.created_at)
    run(sweep_due, DELIVERIES, grace=0)
    statuses = [d.payload["data"]["status"] for d in webhook.unique_deliveries()]
    assert statuses == ["former", "active"]
    connection.refresh_from_db()
    assert connection.enabled and not connection.switched_off_reason
    assert notices.count() == len({n.recipient_id for n in notices})


def test_each_switch_off_notifies_once_and_an_off_connection_is_not_tried(cast, run, webhook):
    connection = connect(cast.org, webhook)
    webhook.fail_next(410, times=2)
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    owner_notices = Notification.objects.filter(
        kind=Notification.Kind.CONNECTION_OFF, recipient=cast.owner
    )
    assert owner_notices.count() == 1
    # Two workers that both got a 410 switch it off once.
    assert not connection_switch_off(connection=connection, reason="410 again")
    assert owner_notices.count() == 1

    Connection.objects.update(enabled=True)  # switched on before the receiver was fixed
    run(member_change_status, member=cast.contact, status=MemberStatus.FORMER, via="admin")
    assert owner_notices.count() == 2
    run(member_change_status, member=cast.billing, status=MemberStatus.FORMER, via="admin")
    assert owner_notices.count() == 2 and len(webhook.requests) == 2  # off: not even tried


def test_a_new_webhook_connection_is_offered_a_standard_secret(cast, client):
    client.force_login(cast.owner)
    add = reverse("integrations:connection_add", args=[cast.org.slug, "webhook"])
    page = client.get(add)
    secret = page.context["form"].initial["secret"]
    assert secret.startswith("whsec_") and secret in page.content.decode()
    assert secret != client.get(add).context["form"].initial["secret"]

    refused = client.post(
        add, {"name": "Hook", "base_url": "https://hooks.example.com/x", "secret": "whsec_%%%"}
    )
    assert refused.status_code == 200 and "base64" in refused.content.decode()
    assert not Connection.objects.exists()


def test_body_bytes_sent_are_the_bytes_signed(cast, run, webhook):
    """Non-ASCII names go as UTF-8 JSON; the receiver verifies the raw bytes."""
    cast.teammate.first_name = "Zoë"
    cast.teammate.save()
    connect(cast.org, webhook)
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    [received] = webhook.deliveries
    assert received.verified
    assert json.loads(received.raw)["data"]["first_name"] == "Zoë"
