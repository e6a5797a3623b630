"""Notification emails are sent at least once (issue 10, item 15; R2.7): a
worker killed while the mail server has not answered yet leaves the email
owed, and beat's sweep sends it once the claim's lease has run out.

A real prefork worker over Redis sends real SMTP to a local mail server
(aiosmtpd) that takes each message and, while told to hold, never answers.
"""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from config.celery import app as celery_app
from members.actions.join_requests import join_request_submit
from notifications.models import Notification
from outbox import engine, timing
from tests.integrations.conftest import wait_until, worker_factory  # noqa: F401 (fixture)
from tests.stubs.smtp import SmtpStub

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL_LEASE = timing.policy(timing.NOTIFICATION_EMAIL).lease
SWEEP_GRACE = timing.policy(timing.NOTIFICATION_EMAIL).sweep_grace
SWEEP = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]["task"]


@pytest.mark.worker
def test_a_worker_killed_mid_send_loses_no_notification_email(cast, worker_factory):  # noqa: F811
    with SmtpStub() as smtp:
        smtp.hold()
        worker = worker_factory(EMAIL_URL=smtp.url)
        join_request_submit(location=cast.harbour, first_name="Jo", email="jo@example.test")
        admins = sorted([cast.owner.email, cast.admin.email])
        owed = Notification.objects.filter(recipient__email__in=admins)
        assert owed.count() == 2
        wait_until(lambda: smtp.held == 2, timeout=30, message="both emails to reach the server")
        worker.kill()  # before the server said it took them

        assert owed.filter(emailed_at__isnull=True).count() == 2, "marked sent, never sent"

        # Later: the claims' lease has run out, the mail server answers again.
        owed.update(
            created_at=F("created_at") - EMAIL_LEASE * 2,
            lease_expires_at=F("lease_expires_at") - EMAIL_LEASE * 2,
        )
        smtp.release()
        worker_factory(EMAIL_URL=smtp.url)
        celery_app.send_task(SWEEP)
        wait_until(
            lambda: not owed.filter(emailed_at__isnull=True).exists(),
            timeout=30,
            message="the sweep to send both",
        )
        assert sorted(m["To"] for m in smtp.messages) == admins
        assert all("Jo" in m["Subject"] or "join" in m["Subject"].lower() for m in smtp.messages)


def test_the_sweep_leaves_a_claim_alone_while_its_lease_runs(cast):
    """A send under way (or killed moments ago) is not sent a second time at
    once: the sweep takes a claimed notification only after the lease."""
    with mock.patch("notifications.tasks.send_notification_email.delay") as queued:
        join_request_submit(location=cast.harbour, first_name="Jo", email="jo@example.test")
    assert queued.call_count == 2  # (queued, not run: nothing claimed them)
    claimed, unclaimed = Notification.objects.order_by("pk")
    Notification.objects.filter(pk=claimed.pk).update(lease_expires_at=timezone.now() + EMAIL_LEASE)

    def sweep_at(later):
        with (
            time_machine.travel(timezone.now() + later),
            mock.patch("notifications.tasks.send_notification_email.delay") as queued,
        ):
            engine.sweep_due(timing.NOTIFICATION_EMAIL)
        return sorted(call.args[0] for call in queued.call_args_list)

    assert sweep_at(SWEEP_GRACE + timedelta(seconds=1)) == [unclaimed.pk]
    assert sweep_at(EMAIL_LEASE + timedelta(seconds=1)) == sorted([claimed.pk, unclaimed.pk])
