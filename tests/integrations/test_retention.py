"""Retention (issue 15, item 4): delivered rows leave after the retention
period, in batches; dead deliveries, each member's latest event and the
addresses a system may still hold stay."""

from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import Connection, Delivery, DeliveryStatus, OutboxEvent, RemoteAddress
from integrations.outbox import next_sequences
from integrations.retention import prune
from tests import factories as f

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
BY_ID = 'DELETE FROM "integrations_delivery" WHERE "integrations_delivery"."id"'


def _history(org, connection, member, *, ages, status=DeliveryStatus.SUCCEEDED):
    """One event and one delivery per age (days ago), oldest first."""
    now = timezone.now()
    start = OutboxEvent.objects.filter(member_ref=member.pk).order_by("-sequence").first()
    sequence = start.sequence if start else 0
    deliveries = []
    for age in sorted(ages, reverse=True):
        sequence += 1
        at = now - age * DAY
        event = OutboxEvent.objects.create(
            organization=org,
            member=member,
            member_ref=member.pk,
            event="member.updated",
            sequence=sequence,
            created_at=at,
            processed_at=at,
        )
        deliveries.append(
            Delivery.objects.create(
                organization=org,
                event=event,
                connection=connection,
                member=member,
                member_ref=member.pk,
                status=status,
                created_at=at,
                next_attempt_at=at,
                succeeded_at=at if status == DeliveryStatus.SUCCEEDED else None,
            )
        )
    return deliveries


@pytest.fixture
def connection(cast):
    return Connection.objects.create(
        organization=cast.org, kind="hubspot", name="CRM", base_url="https://crm.invalid"
    )


def test_delivered_rows_past_retention_go_and_newer_ones_stay(cast, connection, settings):
    settings.INTEGRATIONS_RETENTION_DAYS = 30
    old = _history(cast.org, connection, cast.teammate, ages=[90, 60, 31])
    new = _history(cast.org, connection, cast.teammate, ages=[29, 1])

    assert prune() == {"deliveries": 3, "events": 3}

    assert set(Delivery.objects.values_list("pk", flat=True)) == {d.pk for d in new}
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {d.event_id for d in new}
    assert not Delivery.objects.filter(pk__in=[d.pk for d in old]).exists()
    assert prune() == {"deliveries": 0, "events": 0}


def test_tables_stay_small_at_a_steady_state(cast, connection, settings):
    """A year of daily changes, pruned as beat would: what is left is the
    retention window, not the year."""
    settings.INTEGRATIONS_RETENTION_DAYS = 30
    members = [cast.teammate, cast.contact]
    for member in members:
        _history(cast.org, connection, member, ages=range(1, 366))
    prune()
    assert Delivery.objects.count() == 29 * len(members)
    assert OutboxEvent.objects.count() == 29 * len(members)


def test_each_member_keeps_their_latest_event_so_sequences_count_on(cast, connection):
    _history(cast.org, connection, cast.teammate, ages=[300, 200, 100])
    prune()
    assert not Delivery.objects.exists()
    latest = OutboxEvent.objects.get()
    assert latest.sequence == 3

    assert next_sequences([cast.teammate.pk]) == {cast.teammate.pk: 4}


def test_dead_and_unfinished_deliveries_stay_with_their_events(cast, connection):
    dead = _history(cast.org, connection, cast.teammate, ages=[200], status=DeliveryStatus.DEAD)
    failed = _history(cast.org, connection, cast.teammate, ages=[150], status="failed")
    done = _history(cast.org, connection, cast.teammate, ages=[100, 90])
    prune()
    left = set(Delivery.objects.values_list("pk", flat=True))
    assert left == {dead[0].pk, failed[0].pk}
    assert OutboxEvent.objects.filter(pk__in=[dead[0].event_id, failed[0].event_id]).count() == 2
    # The latest event stays (sequence), its delivery goes.
    assert OutboxEvent.objects.filter(pk=done[-1].event_id).exists()


def test_addresses_a_system_may_still_hold_are_never_pruned(cast, connection):
    _history(cast.org, connection, cast.teammate, ages=[400, 300])
    long_ago = timezone.now() - 400 * DAY
    RemoteAddress.objects.create(
        organization=cast.org,
        connection=connection,
        member_ref=cast.teammate.pk,
        email="old@example.com",
        first_sent_at=long_ago,
        last_sent_at=long_ago,
    )
    prune()
    assert RemoteAddress.objects.filter(email="old@example.com").exists()


def test_prunes_in_batches_and_stops_at_the_bound(cast, connection, settings):
    settings.INTEGRATIONS_PRUNE_BATCH = 4
    settings.INTEGRATIONS_PRUNE_MAX_BATCHES = 2
    member = f.MemberFactory(organization=cast.org, location=cast.harbour)
    _history(cast.org, connection, member, ages=range(40, 60))  # 20 old rows

    with CaptureQueriesContext(db_connection) as queries:
        counts = prune()
    assert counts["deliveries"] == 8  # two batches of four, the rest next run
    deletes = [
        query
        for query in queries
        if query["sql"].startswith(
            'DELETE FROM "integrations_delivery" WHERE "integrations_delivery"."id"'
        )
    ]
    assert len(deletes) == 2

    while prune()["deliveries"]:
        pass
    assert not Delivery.objects.filter(member_ref=member.pk).exists()
    assert OutboxEvent.objects.filter(member_ref=member.pk).count() == 1
