"""End-to-end delivery through a real Celery worker over Redis (R3.2, R3.3).

The web side (this process) commits changes; a worker subprocess delivers
them to stub remotes over real HTTP. Outages are made honestly: the web
side's broker points at a closed port, the worker is SIGKILLed, the remote
answers 429 and 500.
"""

from collections import defaultdict
from contextlib import contextmanager

import pytest

from config.celery import app as celery_app
from integrations.models import Delivery, DeliveryStatus, OutboxEvent
from integrations.services import outbox_sweep
from members.models import Member, MemberStatus
from members.services import member_change_status
from tests import factories as f

from .conftest import connect, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


@contextmanager
def broker_unreachable():
    """Point this process's producer at a port nobody listens on."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_write_url

    def reset_pools():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    conf.broker_url = conf.broker_write_url = CLOSED_PORT_BROKER
    reset_pools()
    try:
        yield
    finally:
        conf.broker_url, conf.broker_write_url = saved
        reset_pools()


def all_finished():
    return (
        not Delivery.objects.exclude(
            status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.SKIPPED, DeliveryStatus.DEAD]
        ).exists()
        and not OutboxEvent.objects.filter(processed_at__isnull=True).exists()
    )


def assert_webhook_exactly_once_in_order(webhook, connection):
    """Every delivery reached the receiver (after Idempotency-Key dedupe),
    nothing else did, and each member's events arrived in event order."""
    deliveries = {
        d.idempotency_key: d
        for d in Delivery.objects.filter(connection=connection).select_related("event")
    }
    received = webhook.unique_deliveries()
    keys = [r.idempotency_key for r in received]
    assert sorted(keys) == sorted(deliveries), "missing or unknown webhook deliveries"
    assert all(r.verified for r in webhook.deliveries)
    by_member = defaultdict(list)
    for key in keys:
        delivery = deliveries[key]
        by_member[delivery.member_ref].append(delivery.event_id)
    for member_ref, event_ids in by_member.items():
        assert event_ids == sorted(event_ids), f"member {member_ref} out of order: {event_ids}"


def assert_remote_state_matches(kisi, hubspot, members):
    for member in Member.objects.filter(pk__in=[m.pk for m in members]):
        assert kisi.has_access(member.email) == (member.status == MemberStatus.ACTIVE), member
        assert len(kisi.assignments_for(member.email)) <= 1
        assert hubspot.contact(member.email)["member_status"] == member.status


def test_broker_outage_loses_nothing(cast, worker_factory, webhook, kisi, hubspot):
    hook = connect(cast.org, webhook)
    connect(cast.org, kisi)
    connect(cast.org, hubspot)
    members = f.MemberFactory.create_batch(200, location=cast.harbour)
    worker_factory()

    with broker_unreachable():
        for member in members:
            member_change_status(member=member, status=MemberStatus.FORMER, via="admin")
        for member in members[::4]:
            member_change_status(member=member, status=MemberStatus.ACTIVE, via="admin")

    changes = 200 + 50
    assert OutboxEvent.objects.filter(processed_at__isnull=True).count() == changes
    assert webhook.requests == [] and kisi.requests == []

    # The broker is back; beat's sweep finds the events.
    outbox_sweep(grace=0)
    wait_until(all_finished, timeout=120, message="every delivery to finish")

    assert Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == changes * 3
    assert len(webhook.deliveries) == changes  # not even a duplicate to dedupe
    assert_webhook_exactly_once_in_order(webhook, hook)
    assert hubspot.created_count == 200
    assert_remote_state_matches(kisi, hubspot, members)


def test_worker_killed_mid_delivery(cast, worker_factory, webhook, kisi, hubspot):
    hook = connect(cast.org, webhook)
    connect(cast.org, kisi)
    connect(cast.org, hubspot)
    members = f.MemberFactory.create_batch(20, location=cast.harbour)
    # A long client timeout: the worker must be killed while it waits.
    doomed = worker_factory(INTEGRATIONS_HTTP_TIMEOUT="30")
    webhook.fail_next(hang=3)

    member_change_status(member=members[0], status=MemberStatus.FORMER, via="admin")
    wait_until(lambda: len(webhook.requests) == 1, timeout=20, message="the hanging request")
    doomed.kill()
    stuck = Delivery.objects.get(connection=hook, member_ref=members[0].pk)
    assert stuck.status == DeliveryStatus.IN_FLIGHT

    # More changes while no worker runs, including to the same member.
    member_change_status(member=members[0], status=MemberStatus.ACTIVE, via="admin")
    for member in members[1:]:
        member_change_status(member=member, status=MemberStatus.CONTACT, via="admin")

    worker_factory()

    # The lease (4 s in tests) runs out; the sweep takes the delivery back.
    def swept_back():
        outbox_sweep(grace=0)
        return Delivery.objects.get(pk=stuck.pk).status != DeliveryStatus.IN_FLIGHT

    wait_until(swept_back, timeout=20, interval=0.5, message="the lease to expire")
    wait_until(all_finished, timeout=60, message="every delivery to finish")

    assert not Delivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).exists()
    assert_webhook_exactly_once_in_order(webhook, hook)
    # The killed attempt may have reached the receiver too, under the same key.
    assert len(webhook.deliveries) <= len(webhook.unique_deliveries()) + 1
    assert hubspot.created_count == 20
    assert_remote_state_matches(kisi, hubspot, members)


def test_429_then_500_then_success(cast, worker_factory, hubspot):
    connect(cast.org, hubspot)
    worker_factory()
    hubspot.fail_next(429, retry_after=1)
    hubspot.fail_next(500)

    member_change_status(member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    wait_until(all_finished, timeout=30, message="the delivery to succeed")

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 3
    first, second, third = hubspot.requests
    assert second.received_at - first.received_at >= 1.0, "Retry-After was not honoured"
    assert {r.header("idempotency-key") for r in hubspot.requests} == {delivery.idempotency_key}
    assert hubspot.created_count == 1
    assert hubspot.contact(cast.teammate.email)["member_status"] == "former"
