"""Start-up refuses outbox timings that contradict the Celery task limits
(outbox/checks.py)."""

from datetime import timedelta
from unittest import mock

from django.core.management import call_command
from django.core.management.base import SystemCheckError

from notifications.tasks import send_notification_email
from outbox import timing
from outbox.checks import outbox_timing


def _ids():
    return sorted(error.id for error in outbox_timing())


def test_the_shipped_timings_pass():
    assert outbox_timing() == []


def test_a_lease_shorter_than_the_task_time_limit_fails(settings):
    # The notification task is killed after 60 s: a 30 s lease would hand
    # the row to a second worker while the first may still be sending.
    settings.OUTBOX_POLICY_OVERRIDES = {timing.NOTIFICATION_EMAIL: {"lease": timedelta(seconds=30)}}
    assert _ids() == ["outbox.E001", "outbox.E003"]  # and beat runs too seldom for it


def test_a_lease_changed_in_settings_after_the_task_took_its_limits_fails(settings):
    settings.INTEGRATIONS_LEASE_SECONDS = 40  # the deliver task still has 90 s
    assert "outbox.E001" in _ids()


def test_a_soft_limit_not_below_the_hard_one_fails():
    with mock.patch.object(send_notification_email, "soft_time_limit", 60):
        assert _ids() == ["outbox.E002"]


def test_a_sweep_slower_than_a_lease_fails(settings):
    settings.OUTBOX_SWEEP_EVERY = 600
    assert _ids() == ["outbox.E003"] * 4


def test_start_up_stops_on_them(settings):
    settings.OUTBOX_SWEEP_EVERY = 600
    try:
        call_command("check")
    except SystemCheckError as error:
        assert "outbox.E003" in str(error)
    else:
        raise AssertionError("manage.py check passed")
