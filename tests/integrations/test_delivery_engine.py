"""The delivery engine's rules, in-process (eager tasks, on-commit callbacks
run): what a switched-off connection, a dead worker, a greedy Retry-After and
a backlog do to deliveries; what the webhook is told about each change."""

import json
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from integrations.models import Connection, Delivery, DeliveryStatus, OutboxEvent
from integrations.services import (
    KIND as DELIVERIES,
)
from integrations.services import (
    connection_save,
    delivery_attempt,
    delivery_attempts,
    outbox_fan_out,
)
from integrations.vendors import registry
from members.actions.status import member_change_status
from members.models import MemberStatus
from outbox.engine import backoff, sweep_due
from tests import factories as f
from tests.stubs.hubspot import UPSERT_PATH

from .conftest import connect

pytestmark = pytest.mark.django_db


def switch(connection, *, enabled):
    return connection_save(
        organization=connection.organization,
        kind=connection.kind,
        name=connection.name,
        base_url=connection.base_url,
        credentials={},
        enabled=enabled,
        connection=connection,
    )


def test_a_switched_off_connection_keeps_changes_and_sends_them_when_on(cast, run, kisi, hubspot):
    doors = connect(cast.org, kisi, enabled=False)
    connect(cast.org, hubspot)
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    run(member_change_status, member=cast.teammate, status=MemberStatus.ACTIVE, via="admin")
    run(member_change_status, member=cast.billing, status=MemberStatus.FORMER, via="admin")

    assert kisi.requests == []
    waiting = Delivery.objects.filter(connection=doors)
    assert waiting.count() == 3
    assert set(waiting.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()
    run(sweep_due, DELIVERIES, grace=0)
    assert kisi.requests == [], "the sweep sent to a switched-off connection"

    run(switch, connection=doors, enabled=True)

    assert set(waiting.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    assert kisi.has_access(cast.teammate.email)
    assert not kisi.has_access(cast.billing.email)
    looked_up = [r.query["query"] for r in kisi.requests_to("GET", "/users")]
    # Each change once; the teammate's two in order (access stayed: Active last).
    assert sorted(looked_up) == sorted([cast.teammate.email] * 2 + [cast.billing.email])


def _leased_out(delivery, *, attempts):
    """The state a worker leaves behind when it dies mid-attempt."""
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.IN_FLIGHT,
        attempts=attempts,
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )


def test_an_attempt_whose_worker_died_counts_and_backs_off(cast, kisi, fast_pipeline, settings):
    settings.INTEGRATIONS_BACKOFF_BASE = 60
    settings.INTEGRATIONS_BACKOFF_MAX = 600
    connect(cast.org, kisi)
    member_change_status(member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    sweep_due(DELIVERIES, grace=0)  # fans out; nothing is sent (no on-commit here)
    delivery = Delivery.objects.get()
    _leased_out(delivery, attempts=1)

    assert sweep_due(DELIVERIES, grace=0)["reclaimed"] == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=25)
    assert "worker stopped" in delivery.last_error
    assert kisi.requests == []


def test_a_delivery_that_kills_its_worker_every_time_ends_dead(
    cast, kisi, django_capture_on_commit_callbacks, fast_pipeline
):
    """...and the member's next change goes out instead of waiting for ever."""
    connect(cast.org, kisi)
    member_change_status(member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    sweep_due(DELIVERIES, grace=0)
    first = Delivery.objects.get()
    _leased_out(first, attempts=fast_pipeline.INTEGRATIONS_MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        member_change_status(member=cast.teammate, status=MemberStatus.ACTIVE, via="admin")
    second = Delivery.objects.exclude(pk=first.pk).get()
    assert second.status == DeliveryStatus.PENDING  # behind the stuck one

    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_due(DELIVERIES, grace=0)["reclaimed"] == 1

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == DeliveryStatus.DEAD
    assert first.last_error.startswith("Gave up after 4 attempts")
    assert second.status == DeliveryStatus.SUCCEEDED
    assert kisi.has_access(cast.teammate.email)


def test_retry_after_is_capped(cast, run, hubspot, kisi, settings):
    settings.INTEGRATIONS_BACKOFF_MAX = 300
    assert backoff(DELIVERIES, 1, retry_after=86400) == timedelta(seconds=300)
    assert backoff(DELIVERIES, 1, retry_after=120) >= timedelta(seconds=120)

    connect(cast.org, hubspot)
    hubspot.fail_next(503, retry_after=86400)
    settings.INTEGRATIONS_BACKOFF_MAX = 300  # run's fast_pipeline lowered it
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    # Both written with the same "now" when the attempt failed: exact.
    assert delivery.next_attempt_at - delivery.last_failed_at == timedelta(seconds=300)


def test_a_429_pauses_the_whole_connection_without_burning_attempts(
    cast, run, hubspot, kisi, settings
):
    """HubSpot says 429, Retry-After 120: nothing more goes to HubSpot for two
    minutes (the teammate's and the billing person's changes both wait, none
    counted as an attempt), while Kisi gets every change at once."""
    settings.INTEGRATIONS_BACKOFF_MAX = 300  # caps a pause too
    hubspot_connection = connect(cast.org, hubspot)
    connect(cast.org, kisi)
    hubspot.fail_next(429, retry_after=120)
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    run(member_change_status, member=cast.billing, status=MemberStatus.FORMER, via="admin")

    to_hubspot = Delivery.objects.filter(connection=hubspot_connection)
    assert [r.fault.status for r in hubspot.requests] == [429]  # the second never went
    assert set(to_hubspot.values_list("status", "attempts")) == {(DeliveryStatus.PENDING, 0)}
    hubspot_connection.refresh_from_db()
    pause = hubspot_connection.paused_until - timezone.now()
    assert timedelta(seconds=100) < pause <= timedelta(seconds=120)
    assert "429" in to_hubspot.get(member_ref=cast.teammate.pk).last_error
    assert not kisi.has_access(cast.teammate.email) and not kisi.has_access(cast.billing.email)
    assert (
        Delivery.objects.exclude(connection=hubspot_connection)
        .filter(status=DeliveryStatus.SUCCEEDED)
        .count()
        == 2
    )

    run(sweep_due, DELIVERIES, grace=0)  # still paused: nothing goes
    assert len(hubspot.requests) == 1

    Connection.objects.filter(pk=hubspot_connection.pk).update(
        paused_until=timezone.now() - timedelta(seconds=1)
    )
    to_hubspot.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    run(sweep_due, DELIVERIES, grace=0)
    assert set(to_hubspot.values_list("status", "attempts")) == {(DeliveryStatus.SUCCEEDED, 1)}
    assert hubspot.contact(cast.billing.email)["member_status"] == "former"


def test_the_webhook_is_told_each_change_not_the_latest_state_twice(cast, run, webhook):
    """Former, then Active while the broker was down: the receiver gets both,
    in order, each with what it changed from and the member's current state."""
    connect(cast.org, webhook)
    member_change_status(member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    member_change_status(member=cast.teammate, status=MemberStatus.ACTIVE, via="admin")
    assert webhook.requests == []  # on-commit tasks never ran: as if Redis were down

    run(sweep_due, DELIVERIES, grace=0)

    bodies = [json.loads(d.raw) for d in webhook.deliveries]
    assert [b["data"]["status"] for b in bodies] == ["former", "active"]
    assert [b["previous"]["status"] for b in bodies] == ["active", "former"]
    assert [b["current"]["status"] for b in bodies] == ["active", "active"]
    assert all(b["type"] == "member.status_changed" for b in bodies)
    assert all(d.verified for d in webhook.deliveries)


def test_the_sweep_leaves_a_delivery_alone_while_its_message_may_be_queued(
    cast, run, kisi, settings
):
    connect(cast.org, kisi)
    member_change_status(member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    sweep_due(DELIVERIES, grace=0)  # fanned out; its on-commit send never happened
    long_ago = timezone.now() - timedelta(hours=1)
    Delivery.objects.update(created_at=long_ago, next_attempt_at=long_ago)

    settings.INTEGRATIONS_LEASE_SECONDS = 120
    Delivery.objects.update(enqueued_at=timezone.now() - timedelta(seconds=30))
    assert run(sweep_due, DELIVERIES, grace=0)["requeued"] == 0
    assert kisi.requests == []

    Delivery.objects.update(enqueued_at=timezone.now() - timedelta(seconds=130))
    assert run(sweep_due, DELIVERIES, grace=0)["requeued"] == 1
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED


# -- the claim is one conditional UPDATE ---------------------------------------------------


@contextmanager
def just_before_the_claim(change):
    """Run ``change`` (another worker, an admin) right before the claim's
    UPDATE reaches the database: whatever the claim checked earlier in Python
    or in an earlier query is stale by then; only the UPDATE's own conditions count."""
    fired = []

    def wrapper(execute, sql, params, many, context):
        claiming = sql.startswith('UPDATE "integrations_delivery" SET "status"') and (
            bool(params) and params[0] == DeliveryStatus.IN_FLIGHT
        )
        if claiming and not fired:
            fired.append(sql)
            change()
        return execute(sql, params, many, context)

    with db_connection.execute_wrapper(wrapper):
        yield fired


def _one_pending_delivery(cast, stub):
    connection = connect(cast.org, stub)
    member_change_status(member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    outbox_fan_out(event_id=OutboxEvent.objects.get().pk)  # on-commit tasks not run
    return connection, Delivery.objects.get()


def test_a_duplicate_message_does_not_claim_a_delivery_retried_later(cast, fast_pipeline, kisi):
    _, delivery = _one_pending_delivery(cast, kisi)
    later = timezone.now() + timedelta(hours=1)

    def failed_meanwhile():  # the other copy of the message tried it and failed
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, next_attempt_at=later
        )

    with just_before_the_claim(failed_meanwhile) as fired:
        assert delivery_attempt(delivery_id=delivery.pk) == "busy"
    assert fired
    assert kisi.requests == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 0)


def test_a_delivery_is_not_pushed_to_a_connection_switched_off_meanwhile(cast, fast_pipeline, kisi):
    connection, delivery = _one_pending_delivery(cast, kisi)

    def switched_off():
        Connection.objects.filter(pk=connection.pk).update(enabled=False)

    with just_before_the_claim(switched_off) as fired:
        assert delivery_attempt(delivery_id=delivery.pk) == "busy"
    assert fired
    assert kisi.requests == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING


def test_a_delivery_does_not_overtake_an_earlier_one_revived_meanwhile(cast, fast_pipeline, kisi):
    connect(cast.org, kisi)
    member_change_status(member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    member_change_status(member=cast.teammate, status=MemberStatus.ACTIVE, via="admin")
    for event in OutboxEvent.objects.order_by("pk"):
        outbox_fan_out(event_id=event.pk)
    first, second = Delivery.objects.order_by("event_id")
    Delivery.objects.filter(pk=first.pk).update(status=DeliveryStatus.DEAD)

    def retried_meanwhile():  # an admin retries the dead one
        Delivery.objects.filter(pk=first.pk).update(status=DeliveryStatus.PENDING)

    with just_before_the_claim(retried_meanwhile) as fired:
        assert delivery_attempt(delivery_id=second.pk) == "busy"
    assert fired
    assert kisi.requests == []


def _six_waiting_for_hubspot(cast, run, hubspot):
    """Six members leave while HubSpot is switched off: their deliveries go
    in one batch upsert when they are attempted together."""
    crm = connect(cast.org, hubspot, enabled=False)
    members = f.MemberFactory.create_batch(6, location=cast.harbour)
    for member in members:
        run(member_change_status, member=member, status=MemberStatus.FORMER, via="admin")
    Connection.objects.filter(pk=crm.pk).update(enabled=True)
    waiting = Delivery.objects.filter(connection=crm)
    assert waiting.count() == 6
    return members, waiting


def test_one_members_fault_in_a_batch_holds_back_no_one_else(cast, run, hubspot):
    members, waiting = _six_waiting_for_hubspot(cast, run, hubspot)
    poison = members[2]
    hubspot.fail_next(500, contains=poison.email, times=2)  # the batch call, then alone

    delivery_attempts(delivery_ids=list(waiting.values_list("pk", flat=True)))

    assert [r.path for r in hubspot.requests][0] == UPSERT_PATH
    assert len(hubspot.requests) == 1 + 6  # the batch, then each alone
    assert set(waiting.exclude(member_ref=poison.pk).values_list("status", "attempts")) == {
        (DeliveryStatus.SUCCEEDED, 1)
    }
    assert waiting.get(member_ref=poison.pk).status == DeliveryStatus.FAILED
    assert all(hubspot.contact(m.email)["member_status"] == "former" for m in members[3:])


def test_a_failing_remote_is_not_tried_member_by_member(cast, run, hubspot):
    _, waiting = _six_waiting_for_hubspot(cast, run, hubspot)
    hubspot.fail_next(500, times=10)

    delivery_attempts(delivery_ids=list(waiting.values_list("pk", flat=True)))

    assert len(hubspot.requests) == 3  # the batch and two alone: the remote is down
    assert set(waiting.values_list("status", "attempts")) == {(DeliveryStatus.FAILED, 1)}


def test_a_bug_while_pushing_alone_fails_that_delivery_for_a_retry(cast, run, hubspot, monkeypatch):
    """An unexpected error for one member after a failed batch call is that
    member's failed attempt (retried, in the log), not a task that dies with
    the whole batch claimed."""
    members, waiting = _six_waiting_for_hubspot(cast, run, hubspot)
    poison = members[2]
    hubspot.fail_next(500, contains=poison.email)
    category = registry.get("hubspot").category
    push = category.push

    def broken(client, attempt):
        if attempt.delivery.member_ref == poison.pk:
            raise RuntimeError("a bug")
        return push(client, attempt)

    monkeypatch.setattr(category, "push", broken)
    delivery_attempts(delivery_ids=list(waiting.values_list("pk", flat=True)))

    failed = waiting.get(member_ref=poison.pk)
    assert failed.status == DeliveryStatus.FAILED and "internal error" in failed.last_error
    assert set(waiting.exclude(member_ref=poison.pk).values_list("status", flat=True)) == {
        DeliveryStatus.SUCCEEDED
    }
