"""A worker process keeps its database connection from task to task, as a
web process does under CONN_MAX_AGE: Celery's Django fixup would otherwise
close it after every task, and connecting cost a third of a delivery."""

import pytest
from django.db import connection

from integrations.models import Delivery, DeliveryStatus, OutboxEvent
from members.actions.status import member_change_status
from members.models import MemberStatus
from tests import factories as f

from .conftest import all_finished, connect, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def worker_backends() -> set[tuple[int, object]]:
    """(pid, started) of every other session on the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return set(cursor.fetchall())


def deliver(members, status):
    for member in members:
        member_change_status(member=member, status=status, via="admin")
    # Not just "no delivery left": before the changes are fanned out there
    # is none at all.
    wait_until(all_finished, timeout=60, message="every delivery to finish")
    sent = Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count()
    assert sent == OutboxEvent.objects.count()


def test_a_worker_process_reuses_its_database_connection(cast, kisi, worker_factory):
    connect(cast.org, kisi)
    members = f.MemberFactory.create_batch(5, location=cast.harbour)
    worker_factory(concurrency=1)

    deliver(members, MemberStatus.FORMER)
    kept = worker_backends()
    assert kept, "the worker closed its database connection after its tasks"

    deliver(members, MemberStatus.ACTIVE)  # ten tasks more at least
    assert worker_backends() == kept, "the worker connected again"
