"""Many changes at once (a mass invite, a resync): the request records the
events and nothing per delivery, and they queue behind single changes in the
broker (issue 15, items 1 and 3; the worker-level proof is in
test_delivery_at_scale.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.models import Delivery
from integrations.outbox import MemberEvent, record_member_events
from integrations.services import resync_connection
from members.actions.status import member_change_status
from members.models import MemberStatus
from outbox.broker import BULK
from tests import factories as f

from .conftest import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    """(task name, args, priority) of every message sent, none run."""
    sent = []

    def publish(task, *args, countdown=None, priority=None):
        sent.append((task.name, args, priority))
        return True

    monkeypatch.setattr("integrations.tasks.publish", publish)
    return sent


def _queries_to_record(members, django_capture_on_commit_callbacks):
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        record_member_events(members=members, event=MemberEvent.UPDATED)
    return len(queries)


def test_many_changes_cost_the_request_the_same_with_or_without_connections(
    cast, published, django_capture_on_commit_callbacks, kisi, hubspot, capsule, webhook
):
    members = f.MemberFactory.create_batch(120, location=cast.harbour)
    without = _queries_to_record(members[:60], django_capture_on_commit_callbacks)
    for stub in (kisi, hubspot, capsule, webhook):
        connect(cast.org, stub)
    with_four = _queries_to_record(members[60:], django_capture_on_commit_callbacks)

    assert with_four == without
    assert not Delivery.objects.exists(), "deliveries were built in the request"
    assert [name for name, _, _ in published] == ["integrations.dispatch_events"] * 2


def test_a_resync_is_dispatched_in_bulk_and_a_single_change_is_not(
    cast, published, django_capture_on_commit_callbacks, kisi
):
    connection_ = connect(cast.org, kisi)
    with django_capture_on_commit_callbacks(execute=True):
        resync_connection(connection=connection_)
    with django_capture_on_commit_callbacks(execute=True):
        member_change_status(member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    (resync, single) = published
    assert resync[0] == single[0] == "integrations.dispatch_events"
    assert resync[2] == BULK and resync[1][1] is True
    assert single[2] is None
