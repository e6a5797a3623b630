"""The integrations pages promise retries only while a background worker runs:
beat's heartbeat task, run by a worker, is what says one does."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from background.models import Heartbeat
from background.tasks import heartbeat
from integrations.models import Delivery, DeliveryStatus
from members.actions.status import member_change_status
from members.models import MemberStatus
from outbox.broker import publish

from .conftest import connect, wait_until

pytestmark = pytest.mark.django_db

BANNER = "No background worker has run in the last 5 minutes"


@pytest.fixture
def failed(cast, run, webhook):
    connect(cast.org, webhook, name="Warehouse")
    webhook.fail_next(503)
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    assert Delivery.objects.get().status == DeliveryStatus.FAILED


def pages(client, cast) -> tuple[str, str]:
    client.force_login(cast.owner)
    connections = client.get(reverse("integrations:connections", args=[cast.org.slug]))
    log = client.get(reverse("integrations:deliveries", args=[cast.org.slug]))
    return connections.content.decode(), log.content.decode()


def beat(seconds_ago: float) -> None:
    Heartbeat.objects.update_or_create(
        name="worker", defaults={"seen_at": timezone.now() - timedelta(seconds=seconds_ago)}
    )


def test_with_no_heartbeat_the_pages_say_nothing_runs(client, cast, failed):
    connections, log = pages(client, cast)
    assert BANNER in connections and BANNER in log
    assert "make worker" in connections
    assert "Failed, will retry</span>" not in log and "Failed, waiting for a worker" in log
    assert "retried automatically" not in log


def test_with_a_fresh_heartbeat_retries_are_promised(client, cast, failed):
    beat(seconds_ago=60)
    connections, log = pages(client, cast)
    assert BANNER not in connections and BANNER not in log
    assert "Failed, will retry</span>" in log and "waiting for a worker" not in log


def test_a_heartbeat_older_than_the_limit_is_no_worker(client, cast, failed):
    beat(seconds_ago=5 * 60 + 5)
    connections, log = pages(client, cast)
    assert BANNER in connections and BANNER in log


def test_the_heartbeat_task_records_when_it_ran(time_machine):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    heartbeat.apply()
    assert Heartbeat.objects.get().seen_at == timezone.now()
    time_machine.move_to("2026-03-02 09:01:00+00:00", tick=False)
    heartbeat.apply()
    assert Heartbeat.objects.count() == 1
    assert Heartbeat.objects.get().seen_at == timezone.now()


def test_beat_sends_it_more_often_than_pages_give_up_on_it():
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == heartbeat.name
    assert entry["schedule"] * 2 < settings.BACKGROUND_SILENT_AFTER_MINUTES * 60


@pytest.mark.worker
def test_a_real_worker_writes_the_heartbeat(worker_factory):
    worker_factory(concurrency=1)
    before = timezone.now()
    assert publish(heartbeat)  # what beat sends every minute
    wait_until(
        lambda: Heartbeat.objects.filter(seen_at__gte=before).exists(),
        timeout=60,
        message="the worker's heartbeat",
    )
    assert Heartbeat.objects.get().seen_by.startswith("test-")
