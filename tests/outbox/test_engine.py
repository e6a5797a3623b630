"""The outbox engine itself (outbox/engine.py), on notification emails, the
simplest kind. At least once with a worker killed mid-send is proven with
real workers elsewhere: tests/notifications/test_emails_worker.py,
tests/integrations/test_delivery_worker.py (killed workers) and
tests/integrations/test_lost_answers.py."""

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications.models import Notification
from outbox import engine, timing
from tests import factories as f

KIND = timing.NOTIFICATION_EMAIL


def _owed(cast) -> Notification:
    return Notification.objects.create(
        organization=cast.org,
        location=cast.harbour,
        recipient=cast.admin,
        kind=Notification.Kind.MEMBER_ADDED,
        message="Someone was added.",
    )


@pytest.mark.django_db
def test_a_claim_holds_the_row_until_its_lease_runs_out(cast):
    owed = _owed(cast)
    lease = timing.policy(KIND).lease
    assert engine.claim(KIND, owed.pk)
    assert not engine.claim(KIND, owed.pk), "held: a second claimer gets nothing"
    with time_machine.travel(timezone.now() + lease - timedelta(seconds=5)):
        assert not engine.claim(KIND, owed.pk)
    with time_machine.travel(timezone.now() + lease + timedelta(seconds=5)):
        assert engine.claim(KIND, owed.pk), "the worker is taken for dead: claimable again"
    owed.refresh_from_db()
    assert owed.attempts == 2


@pytest.mark.django_db
def test_a_completed_row_is_not_claimed_again(cast):
    owed = _owed(cast)
    assert engine.claim(KIND, owed.pk)
    engine.complete(KIND, [owed.pk], emailed_at=timezone.now())
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert not engine.claim(KIND, owed.pk)
        assert engine.sweep_due(KIND)["requeued"] == 0


@pytest.mark.django_db
def test_a_failure_waits_its_backoff_then_dies_after_max_attempts(cast, settings):
    settings.OUTBOX_POLICY_OVERRIDES = {KIND: {"jitter": False}}
    owed = _owed(cast)
    policy = timing.policy(KIND)
    now = timezone.now()
    for attempt in range(1, policy.max_attempts + 1):
        with time_machine.travel(now, tick=False):
            assert engine.claim(KIND, owed.pk)
            result = engine.fail(KIND, [owed.pk], "refused", attempt=attempt)
        owed.refresh_from_db()
        if attempt < policy.max_attempts:
            assert result == "failed"
            assert owed.next_attempt_at == now + engine.backoff(KIND, attempt)
            with time_machine.travel(owed.next_attempt_at - timedelta(seconds=1), tick=False):
                assert not engine.claim(KIND, owed.pk), "not before its backoff"
            now = owed.next_attempt_at
    assert result == "dead"
    assert owed.last_error.startswith(f"Gave up after {policy.max_attempts} attempts")
    with time_machine.travel(timezone.now() + timedelta(hours=6)):
        assert not engine.claim(KIND, owed.pk), "a dead letter is not claimed"
        assert engine.sweep_due(KIND)["requeued"] == 0


def test_the_backoff_doubles_up_to_its_cap_and_jitter_stays_in_the_upper_half(settings):
    invitation = timing.INVITATION_EMAIL
    minutes = [engine.backoff(invitation, n) / timedelta(minutes=1) for n in range(1, 13)]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1024]
    settings.INTEGRATIONS_BACKOFF_BASE = 10
    settings.INTEGRATIONS_BACKOFF_MAX = 60
    delivery = timing.INTEGRATION_DELIVERY
    for attempt, full in [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)]:
        seconds = [engine.backoff(delivery, attempt).total_seconds() for _ in range(50)]
        assert all(full / 2 <= s <= full for s in seconds)
    # A remote's Retry-After is honoured up to the cap.
    assert engine.backoff(delivery, 1, retry_after=45).total_seconds() >= 45
    assert engine.backoff(delivery, 1, retry_after=86400).total_seconds() == 60


@pytest.mark.django_db
def test_the_sweep_leaves_a_row_to_its_own_message(cast):
    """A row whose message went to the broker (due to run at ``enqueued_at``)
    is left to it for ``requeue_after``; then the sweep sends it again."""
    owed = _owed(cast)
    policy = timing.policy(KIND)
    due = timezone.now() + policy.sweep_grace
    Notification.objects.filter(pk=owed.pk).update(enqueued_at=due)
    with time_machine.travel(due + policy.requeue_after - timedelta(seconds=5)):
        assert engine.sweep_due(KIND)["requeued"] == 0, "its message may still be queued"
    with time_machine.travel(due + policy.requeue_after + timedelta(seconds=5)):
        assert engine.sweep_due(KIND)["requeued"] == 1


@pytest.mark.django_db(transaction=True)
def test_of_two_claimers_racing_for_a_row_one_wins(cast):
    """Two workers, two database connections: the second UPDATE waits on the
    first one's row lock and, once that commits, finds the row leased."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: no race to lose")
    owed = _owed(cast)
    results = {}

    def second_claimer():
        try:
            with scopes_disabled():
                results["second"] = engine.claim(KIND, owed.pk)
        except Exception as error:  # shown by the assertion below
            results["second"] = error
        finally:
            connections.close_all()

    with transaction.atomic():
        results["first"] = engine.claim(KIND, owed.pk)
        other = threading.Thread(target=second_claimer)
        other.start()
        _until_a_query_waits_on_a_lock(results)
    other.join(timeout=30)
    assert results == {"first": True, "second": False}
    owed.refresh_from_db()
    assert owed.attempts == 1


def _until_a_query_waits_on_a_lock(results, timeout: float = 5) -> None:
    """Not a sleep: asks PostgreSQL until the other connection is blocked."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline and "second" not in results:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
        cursor.execute("SELECT locktype, mode, pid FROM pg_locks WHERE NOT granted")
        activity = cursor.fetchall()
    raise AssertionError(f"the second claim never waited on the row lock: {results} {activity}")


@pytest.mark.django_db
def test_a_kind_is_registered_for_each_outbox(cast):
    assert {k.name for k in engine.kinds()} == {
        timing.INTEGRATION_DELIVERY,
        timing.INVITATION_EMAIL,
        timing.NOTIFICATION_EMAIL,
        timing.APPROVAL_DECISION_EMAIL,
    }
    assert f  # the factories load the registry's models
