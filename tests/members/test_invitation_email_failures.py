"""An invitation email that fails: Resend still works once its attempts ran
out, the sweep does not race the task's own retries, and whatever stops a
sending task half-way leaves the sent ones sent and the rest owed (R4.1, R4.3)."""

import datetime
import smtplib
from unittest import mock

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.core.mail.backends import locmem
from django.utils import timezone

from members.actions.invitations import invitation_resend, member_invite
from members.invitation_emails import InvitationSendFailed, invitations_send
from members.models import Invitation, Member
from outbox import engine, timing
from tests.invitation_helpers import last_link

SEND_LEASE = timing.policy(timing.INVITATION_EMAIL).lease


def invitations_send_unsent(**kwargs):
    return engine.sweep_due(timing.INVITATION_EMAIL, **kwargs)["requeued"]


pytestmark = pytest.mark.django_db


def _owed(cast, email="zz@example.test"):
    """A pending member whose invitation row is written but not sent."""
    member = Member.objects.create(
        organization=cast.org, location=cast.harbour, first_name="Zed", email=email
    )
    with mock.patch("members.tasks.send_invitations.delay"):
        member_invite(member=member, actor=cast.admin)
    return member, Invitation.objects.get(member=member)


def _fail(invitation, times):
    """``times`` failed sends, each when the row's retry is due (a claim
    before that is refused: outbox.engine.claim)."""
    with mock.patch.object(
        locmem.EmailBackend, "send_messages", side_effect=smtplib.SMTPException("refused")
    ):
        for _ in range(times):
            invitation.refresh_from_db()
            with (
                time_machine.travel(invitation.next_attempt_at or timezone.now(), tick=False),
                pytest.raises(InvitationSendFailed),
            ):
                invitations_send([invitation.pk])


def test_resend_after_the_attempts_ran_out_queues_a_fresh_email(cast):
    member, invitation = _owed(cast)
    _fail(invitation, Invitation.MAX_SEND_ATTEMPTS)
    invitation.refresh_from_db()
    assert invitation.send_failed
    mail.outbox.clear()
    with mock.patch("members.tasks.send_invitations.delay"):
        invitation_resend(member=member, actor=cast.admin)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None, "the failed row is withdrawn"
    fresh = Invitation.objects.get(member=member, revoked_at__isnull=True)
    assert fresh.pk != invitation.pk and fresh.attempts == 0
    assert invitations_send([fresh.pk]) == 1
    assert last_link(member.email)


def test_resend_of_an_email_not_tried_yet_queues_nothing_more(cast):
    member, invitation = _owed(cast)
    with mock.patch("members.tasks.send_invitations.delay"):
        invitation_resend(member=member, actor=cast.admin)
    assert Invitation.objects.filter(member=member).count() == 1


def test_the_sweep_leaves_a_failed_row_to_its_scheduled_retry(cast):
    member, invitation = _owed(cast)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(invitation, 3)  # at 0, 1 and 3 minutes; the next try is due at 7
    invitation.refresh_from_db()
    assert invitation.attempts == 3
    assert invitation.next_attempt_at == start + datetime.timedelta(minutes=7)
    with mock.patch("members.tasks.send_invitations.delay") as delay:
        # Within the 4-minute backoff and its 2-minute grace: the task's retry has it.
        assert invitations_send_unsent(now=start + datetime.timedelta(minutes=8)) == 0
        assert invitations_send_unsent(now=start + datetime.timedelta(minutes=10)) == 1
        delay.assert_called_once_with([invitation.pk])
        # Just queued: the next sweeps leave it to that task for the lease.
        later = start + datetime.timedelta(minutes=10) + SEND_LEASE / 2
        assert invitations_send_unsent(now=later) == 0
        assert delay.call_count == 1


def test_the_sweep_does_not_queue_rows_its_on_commit_task_holds(cast):
    _owed(cast)
    with mock.patch("members.tasks.send_invitations.delay") as delay:
        assert invitations_send_unsent(now=timezone.now() + datetime.timedelta(minutes=3)) == 0
        assert invitations_send_unsent(now=timezone.now() + SEND_LEASE * 2) == 1
    assert delay.call_count == 1


@pytest.mark.parametrize("error", [SoftTimeLimitExceeded(), RuntimeError("bug")])
def test_a_task_stopped_half_way_keeps_what_went_out(cast, error):
    first, a = _owed(cast, "first@example.test")
    second, b = _owed(cast, "second@example.test")
    third, c = _owed(cast, "third@example.test")
    real = mail.backends.locmem.EmailBackend.send_messages
    calls = []

    def send(self, messages):
        calls.append(messages)
        if len(calls) == 2:
            raise error
        return real(self, messages)

    with mock.patch.object(locmem.EmailBackend, "send_messages", send), pytest.raises(type(error)):
        invitations_send([a.pk, b.pk, c.pk])
    a.refresh_from_db()
    b.refresh_from_db()
    c.refresh_from_db()
    assert a.sent_at is not None, "the email that left is marked sent"
    assert b.sent_at is None and b.lease_expires_at is None and b.token_hash is None
    assert c.sent_at is None and c.lease_expires_at is None and c.token_hash is None
    assert last_link(first.email)
    # Long after the lease, the sweep sends only what is still owed.
    mail.outbox.clear()
    with mock.patch("members.tasks.send_invitations.delay") as delay:
        assert invitations_send_unsent(now=timezone.now() + datetime.timedelta(hours=1)) == 2
    assert sorted(delay.call_args.args[0]) == sorted([b.pk, c.pk])
