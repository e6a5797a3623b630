"""The "Get started" link's life: single use, 24 hours, resend, reminder (R4.2, R4.3)."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import Via
from members.actions.access import member_activate_access, member_deactivate_access
from members.actions.invitations import invitation_resend, member_invite
from members.actions.status import member_change_status
from members.invitation_emails import invitations_send_reminders
from members.models import Invitation, Member, MemberStatus, PortalAccess
from outbox import engine, timing
from tests import factories as f
from tests.invitation_helpers import admin_invite, last_link


def invitations_send_unsent(**kwargs):
    return engine.sweep_due(timing.INVITATION_EMAIL, **kwargs)["requeued"]


pytestmark = pytest.mark.django_db


def _member(cast, email="newbie@example.test"):
    return Member.objects.get(organization=cast.org, email=email)


def test_invite_creates_a_pending_member_and_emails_a_link(
    client, cast, django_capture_on_commit_callbacks
):
    response = admin_invite(client, cast, django_capture_on_commit_callbacks)
    member = _member(cast)
    assert response.status_code == 302
    assert member.portal_access == PortalAccess.PENDING and member.is_new
    assert member.user is None
    path, token = last_link("newbie@example.test")
    # Only a hash of the token is stored.
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert Invitation.objects.filter(member=member).count() == 1


def test_opening_the_link_does_not_use_it_and_the_post_logs_in(
    client, cast, django_capture_on_commit_callbacks
):
    admin_invite(client, cast, django_capture_on_commit_callbacks)
    path, _ = last_link()
    page = client.get(path)
    assert page.status_code == 200
    assert b"Get started" in page.content
    assert "_auth_user_id" not in client.session
    assert client.get(path).status_code == 200  # a mail scanner's visit spends nothing

    response = client.post(path)
    member = _member(cast)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home", args=[cast.org.slug])
    assert member.user is not None and member.portal_access == PortalAccess.ACTIVE
    assert client.session["_auth_user_id"] == str(member.user.pk)
    assert client.get(response["Location"]).status_code == 200
    assert _member(cast).first_login_at is not None  # no longer "New"


def test_a_link_used_twice_is_refused_the_second_time(
    client, cast, django_capture_on_commit_callbacks
):
    admin_invite(client, cast, django_capture_on_commit_callbacks)
    path, _ = last_link()
    client.post(path)
    client.logout()

    again = client.post(path, follow=True)
    assert again.redirect_chain[-1][0] == reverse("account_login")
    assert "_auth_user_id" not in client.session
    assert "expired or was already used" in again.content.decode()
    assert client.get(path).url == reverse("account_login")


def test_after_24_hours_the_link_leads_to_the_login_page(
    client, cast, django_capture_on_commit_callbacks
):
    admin_invite(client, cast, django_capture_on_commit_callbacks)
    path, _ = last_link()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=24, minutes=1)):
        page = client.get(path, follow=True)
        assert page.redirect_chain[-1][0] == reverse("account_login")
        assert "sign-in code" in page.content.decode()
        client.post(path)
        assert "_auth_user_id" not in client.session
    assert _member(cast).portal_access == PortalAccess.PENDING


def test_within_24_hours_the_link_still_works(client, cast, django_capture_on_commit_callbacks):
    admin_invite(client, cast, django_capture_on_commit_callbacks)
    path, _ = last_link()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=23, minutes=59)):
        client.post(path)
        assert "_auth_user_id" in client.session


def test_after_resend_the_old_link_is_refused_and_the_new_one_works(
    client, cast, django_capture_on_commit_callbacks
):
    admin_invite(client, cast, django_capture_on_commit_callbacks)
    old_path, _ = last_link()
    member = _member(cast)
    client.force_login(cast.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("adminportal:invitation_resend", args=[cast.org.slug, member.pk])
        )
    assert response.status_code == 302
    client.logout()
    new_path, _ = last_link()
    assert new_path != old_path

    client.post(old_path)
    assert "_auth_user_id" not in client.session
    client.post(new_path)
    assert "_auth_user_id" in client.session


def test_resend_is_for_pending_invitations_only(client, cast):
    client.force_login(cast.admin)
    response = client.post(
        reverse("adminportal:invitation_resend", args=[cast.org.slug, cast.teammate.pk]),
        follow=True,
    )
    assert "Only pending invitations can be resent" in response.content.decode()
    assert not Invitation.objects.filter(member=cast.teammate).exists()


def test_a_bad_token_leads_to_the_login_page(client, db):
    response = client.get(reverse("invitation_accept", args=["not-a-token"]))
    assert response.status_code == 302 and response.url == reverse("account_login")
    assert client.post(reverse("invitation_accept", args=["x" * 300])).status_code == 302


def test_after_the_link_expired_a_login_by_code_shows_the_invitation_to_accept(
    client, cast, django_capture_on_commit_callbacks
):
    admin_invite(client, cast, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        client.post(reverse("account_request_login_code"), {"email": "newbie@example.test"})
        code = re.search(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]+)*)\s*$", mail.outbox[-1].body, re.M)
        response = client.post(
            reverse("account_confirm_login_code"), {"code": code.group(1)}, follow=True
        )
    # The code proved the address; the person accepts the invitation themselves.
    assert response.redirect_chain[-1][0] == reverse("invitations_waiting")
    assert _member(cast).portal_access == PortalAccess.PENDING
    response = client.post(
        reverse("invitation_accept_waiting", args=[_member(cast).pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("portal:home", args=[cast.org.slug])
    member = _member(cast)
    assert member.portal_access == PortalAccess.ACTIVE and not member.is_new


# ------------------------------------------------------------------ reminders


def _invite_quietly(cast, capture, email="late@example.test", **org_settings):
    for key, value in org_settings.items():
        setattr(cast.org, key, value)
    cast.org.save()
    member = Member.objects.create(
        organization=cast.org, location=cast.harbour, first_name="Lou", email=email
    )
    with capture(execute=True):
        member_invite(member=member, actor=cast.admin)
    return member


def _reminders_to(email):
    return [m for m in mail.outbox if email in m.to and m.subject.startswith("Reminder")]


def _remind(capture):
    with capture(execute=True):
        return invitations_send_reminders()


def test_reminder_goes_out_once_on_day_3_and_its_link_opens_the_portal(
    client, cast, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        member = _invite_quietly(cast, capture, invitation_reminders=True)
    with time_machine.travel(start + datetime.timedelta(days=2, hours=23)):
        assert _remind(capture) == 0
    with time_machine.travel(start + datetime.timedelta(days=3, minutes=1)):
        assert _remind(capture) == 1
        assert _remind(capture) == 0
        assert len(_reminders_to(member.email)) == 1
        # The reminder carries a fresh link that logs the person in.
        path, _ = last_link(member.email)
        response = client.post(path)
        assert response.status_code == 302
        assert response["Location"] == reverse("portal:home", args=[cast.org.slug])
        assert client.get(response["Location"]).status_code == 200
    member.refresh_from_db()
    assert member.portal_access == PortalAccess.ACTIVE
    with time_machine.travel(start + datetime.timedelta(days=9)):
        assert _remind(capture) == 0
    assert len(_reminders_to(member.email)) == 1


def test_a_resend_restarts_the_reminder_clock(client, cast, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        member = _invite_quietly(cast, capture, invitation_reminders=True)
    resent_at = start + datetime.timedelta(days=2, hours=23)
    with time_machine.travel(resent_at, tick=False):
        with capture(execute=True):
            invitation_resend(member=member, actor=cast.admin)
        fresh_path, _ = last_link(member.email)
    # An hour after the resend is 3 days after the first invitation: no
    # reminder, and the fresh link keeps working.
    with time_machine.travel(resent_at + datetime.timedelta(hours=1)):
        assert _remind(capture) == 0
        assert client.get(fresh_path).status_code == 200
    with time_machine.travel(resent_at + datetime.timedelta(days=3, minutes=5)):
        assert _remind(capture) == 1
    assert len(_reminders_to(member.email)) == 1


def test_a_person_invited_again_gets_a_reminder_again(cast, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        member = _invite_quietly(cast, capture, invitation_reminders=True)
    with time_machine.travel(start + datetime.timedelta(days=3, minutes=1)):
        assert _remind(capture) == 1
    later = start + datetime.timedelta(days=20)
    with time_machine.travel(later, tick=False):
        member_deactivate_access(member=member, actor=cast.admin)
        member_activate_access(member=member, actor=cast.admin)
        with capture(execute=True):
            member_invite(member=member, actor=cast.admin)
    with time_machine.travel(later + datetime.timedelta(days=3, minutes=1)):
        assert _remind(capture) == 1
    assert len(_reminders_to(member.email)) == 2


def test_switching_reminders_on_does_not_remind_people_pending_for_months(
    cast, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _invite_quietly(cast, capture, invitation_reminders=False)
    with time_machine.travel(start + datetime.timedelta(days=90)):
        cast.org.invitation_reminders = True
        cast.org.save()
        assert _remind(capture) == 0
    # Only within a day of the 3-day mark.
    with time_machine.travel(start + datetime.timedelta(days=4, minutes=1)):
        assert _remind(capture) == 0
    assert not _reminders_to("late@example.test")


def test_no_reminder_when_the_organization_has_them_off(cast, django_capture_on_commit_callbacks):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _invite_quietly(cast, django_capture_on_commit_callbacks, invitation_reminders=False)
    with time_machine.travel(start + datetime.timedelta(days=3, hours=2)):
        assert _remind(django_capture_on_commit_callbacks) == 0
    assert not _reminders_to("late@example.test")


def test_no_reminder_once_accepted(client, cast, django_capture_on_commit_callbacks):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _invite_quietly(cast, django_capture_on_commit_callbacks, invitation_reminders=True)
        path, _ = last_link("late@example.test")
        client.post(path)
    with time_machine.travel(start + datetime.timedelta(days=3, hours=2)):
        assert _remind(django_capture_on_commit_callbacks) == 0
    assert not _reminders_to("late@example.test")


def test_the_beat_task_is_scheduled():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "members.tasks.send_invitation_reminders" in tasks
    assert "members.tasks.set_former_when_membership_ended" in tasks
    assert "outbox.sweep" in tasks


def test_a_mail_server_failure_keeps_the_email_owed_and_the_old_link(
    client, cast, settings, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    member = _invite_quietly(cast, capture)
    old_path, _ = last_link(member.email)
    settings.EMAIL_BACKEND = "tests.invitation_helpers.FailingMailServer"
    with capture(execute=True):
        invitation_resend(member=member, actor=cast.admin)
    owed = Invitation.objects.get(member=member, sent_at__isnull=True)
    # The row is left for a retry or the sweep, with no token issued.
    assert owed.attempts >= 1 and owed.token_hash is None and owed.lease_expires_at is None
    assert client.get(old_path).status_code == 200
    assert owed.next_attempt_at > timezone.now()  # its retry is scheduled
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with capture(execute=True):
        # The sweep leaves it to that retry...
        assert invitations_send_unsent(grace=datetime.timedelta(0)) == 0
        # ...and steps in once the retry is a grace period overdue.
        grace = timing.policy(timing.INVITATION_EMAIL).sweep_grace
        later = owed.next_attempt_at + grace + datetime.timedelta(seconds=1)
        with time_machine.travel(later):  # its task runs then too
            assert invitations_send_unsent() == 1
    assert len([m for m in mail.outbox if member.email in m.to]) == 2
    assert client.get(old_path).status_code == 302  # replaced once the new email left
    with capture(execute=True), time_machine.travel(later):
        assert invitations_send_unsent() == 0


def test_resend_to_a_pending_member_who_is_no_longer_active_keeps_the_link(
    cast, django_capture_on_commit_callbacks
):
    member = f.MemberFactory(location=cast.harbour)
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(member=member, actor=cast.admin)
    member_change_status(member=member, status=MemberStatus.FORMER, actor=cast.admin, via=Via.ADMIN)
    mail.outbox.clear()
    with pytest.raises(Exception, match="only active members are invited"):
        invitation_resend(member=Member.objects.get(pk=member.pk), actor=cast.admin)
    assert Invitation.objects.filter(member=member, revoked_at__isnull=True).count() == 1
    assert mail.outbox == []
