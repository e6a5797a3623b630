"""Each connection's rate limit and a remote's 429 (issue 15, item 2): the
connection waits, its deliveries keep their attempts, the others go on."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations import throttle
from integrations.models import Connection, Delivery, DeliveryStatus
from integrations.services import KIND as DELIVERIES
from members.actions.status import member_change_status
from members.models import MemberStatus
from outbox.engine import sweep_due
from tests import factories as f

from .conftest import connect

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def test_the_sliding_log_lets_n_requests_through_in_any_window():
    clock = Clock()
    log = throttle.LocalLog(clock)
    assert [log.take("k", 3, 10) for _ in range(3)] == [0, 0, 0]
    assert log.take("k", 3, 10) == pytest.approx(10)
    clock.now += 4
    assert log.take("k", 3, 10) == pytest.approx(6)  # the first leaves the window at 10
    clock.now += 6
    assert log.take("k", 3, 10) == 0
    assert log.take("other", 3, 10) == 0  # per connection


def test_vendor_defaults_and_the_connections_own_limit(cast, kisi, hubspot, settings):
    settings.INTEGRATIONS_VENDOR_RATE_LIMITS = True
    doors, crm = connect(cast.org, kisi), connect(cast.org, hubspot)
    assert doors.rate_limit == (5, 1.0)
    assert crm.rate_limit == (100, 10.0)
    doors.rate_limit_requests, doors.rate_limit_seconds = 2, 1
    assert doors.rate_limit == (2, 1.0)
    settings.INTEGRATIONS_VENDOR_RATE_LIMITS = False
    assert crm.rate_limit is None and doors.rate_limit == (2, 1.0)


def test_a_connection_over_its_limit_waits_without_burning_attempts_and_delays_no_other(
    cast, run, kisi, hubspot, settings
):
    """Kisi may take 4 requests an hour here (one per Former: no user to
    revoke); six members leave. Four go, the connection pauses, the other two
    wait with no attempt counted, and HubSpot gets all six meanwhile."""
    doors = connect(cast.org, kisi)
    Connection.objects.filter(pk=doors.pk).update(rate_limit_requests=4, rate_limit_seconds=3600)
    connect(cast.org, hubspot)
    settings.INTEGRATIONS_BACKOFF_MAX = 300  # caps the pause
    members = f.MemberFactory.create_batch(6, location=cast.harbour)
    for member in members:
        run(member_change_status, member=member, status=MemberStatus.FORMER, via="admin")

    assert len(kisi.requests) == 4
    waiting = Delivery.objects.filter(connection=doors).exclude(status=DeliveryStatus.SUCCEEDED)
    assert set(waiting.values_list("status", "attempts")) == {(DeliveryStatus.PENDING, 0)}
    assert waiting.count() == 2
    doors.refresh_from_db()
    assert timedelta(seconds=250) < doors.paused_until - timezone.now() <= timedelta(seconds=300)
    assert {m.email for m in members} <= set(hubspot.contacts)

    run(sweep_due, DELIVERIES, grace=0)
    assert len(kisi.requests) == 4, "a paused connection was sent to"
