"""Each event carries a per-member sequence number (issue 10, item 16; R3.3):
a dead webhook event that an admin retries later arrives after newer ones,
and the receiver tells which is newer by it, not by arrival."""

import threading

import pytest
from django.db import connection, transaction
from django_scopes import scope

from integrations.models import Delivery, DeliveryStatus, OutboxEvent
from integrations.outbox import MemberEvent, record_member_event, record_member_events
from integrations.services import delivery_retry, resync_member
from members.actions.status import member_change_status
from members.models import MemberStatus
from tests import factories as f
from tests.conftest import require_or_skip

from .conftest import connect


def test_a_dead_event_retried_later_carries_a_lower_sequence_than_the_newer_one(
    db, cast, run, webhook
):
    connect(cast.org, webhook)
    member = f.MemberFactory(location=cast.harbour)
    webhook.fail_next(400)  # the receiver refuses the first: dead at once
    run(member_change_status, member=member, status=MemberStatus.FORMER, via="admin")
    [dead] = Delivery.objects.filter(status=DeliveryStatus.DEAD)
    run(member_change_status, member=member, status=MemberStatus.ACTIVE, via="admin")
    run(delivery_retry, delivery=dead)  # an admin, later

    arrived = [(d.payload["data"]["status"], d.payload["sequence"]) for d in webhook.deliveries]
    assert arrived == [("active", 2), ("former", 1)]
    # What docs/integrations.md tells receivers to do: keep the highest.
    newest = max(webhook.deliveries, key=lambda d: d.payload["sequence"])
    assert newest.payload["data"]["status"] == "active"


def test_sequences_count_per_member_whichever_way_events_are_recorded(db, cast, run):
    ann, bob = f.MemberFactory.create_batch(2, location=cast.harbour)
    run(record_member_event, member=ann, event=MemberEvent.UPDATED)
    run(record_member_events, members=[ann, bob], event=MemberEvent.UPDATED)
    run(resync_member, member=bob)
    run(member_change_status, member=ann, status=MemberStatus.FORMER, via="admin")

    def sequences(member):
        return list(
            OutboxEvent.objects.filter(member_ref=member.pk)
            .order_by("pk")
            .values_list("sequence", flat=True)
        )

    assert sequences(ann) == [1, 2, 3]
    assert sequences(bob) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_two_changes_to_one_member_at_the_same_time_get_two_numbers(cast):
    """The second transaction waits for the first's member row lock, then
    counts on from it: no duplicate number, and no error for either."""
    if connection.vendor != "postgresql":
        require_or_skip("row locks between concurrent transactions need PostgreSQL")
    member = f.MemberFactory(location=cast.harbour)
    first_recorded = threading.Event()
    errors = []

    # Each thread is a request of its own, in the organization's scope.
    def first():
        try:
            with scope(organization=cast.org), transaction.atomic():
                record_member_event(member=member, event=MemberEvent.UPDATED)
                first_recorded.set()
                threading.Event().wait(0.5)  # still open while the second starts
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
            first_recorded.set()
        finally:
            connection.close()

    def second():
        first_recorded.wait(10)
        try:
            with scope(organization=cast.org), transaction.atomic():
                record_member_event(member=member, event=MemberEvent.UPDATED)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(
        OutboxEvent.objects.filter(member_ref=member.pk).values_list("sequence", flat=True)
    ) == [1, 2]
