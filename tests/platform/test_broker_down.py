"""With the broker down, every path that owes an email still answers, and
the email goes out exactly once when beat's sweep runs after the broker is
back (R4.1, R4.3, R4.5, R5.3). Transactional: the on-commit callbacks run
inside the request, as in production."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from members.actions.invitations import member_invite
from members.models import Invitation, JoinRequest, Member, PortalAccess
from outbox.engine import sweep_all
from tests.invitation_helpers import broker_down, last_link, preview_then_invite

pytestmark = pytest.mark.django_db(transaction=True)


def _to(email):
    return [m for m in mail.outbox if email in m.to]


def _sweep_later():
    """Beat, a few minutes on, with the broker back (tasks run inline)."""
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        sweep_all()
        # A second run finds nothing more to send.
        sweep_all()


@pytest.fixture
def no_raise(client):
    client.raise_request_exception = False
    cache.clear()
    return client


def test_admin_invite(no_raise, cast):
    no_raise.force_login(cast.admin)
    with broker_down():
        response = no_raise.post(
            reverse("adminportal:invite", args=[cast.org.slug]),
            {"first_name": "Bo", "email": "bo@example.test", "location": cast.harbour.pk},
        )
    assert response.status_code == 302
    assert Member.objects.get(email="bo@example.test").portal_access == PortalAccess.PENDING
    assert _to("bo@example.test") == []
    _sweep_later()
    assert len(_to("bo@example.test")) == 1


def test_mass_invite(no_raise, cast):
    no_raise.force_login(cast.admin)
    rows = "Ann\t\tann@example.test\nBen\t\tben@example.test"
    with broker_down():
        response = preview_then_invite(
            no_raise,
            reverse("adminportal:mass_invite", args=[cast.org.slug]),
            {"rows": rows, "location": cast.harbour.pk},
        )
    assert response.status_code == 302
    assert Member.objects.filter(email__in=["ann@example.test", "ben@example.test"]).count() == 2
    _sweep_later()
    assert len(_to("ann@example.test")) == 1 and len(_to("ben@example.test")) == 1


def test_join_form(no_raise, cast):
    with broker_down():
        response = no_raise.post(
            reverse("join:location", args=[cast.org.slug, cast.harbour.slug]),
            {"first_name": "Jo", "email": "jo@example.test"},
        )
    assert response.status_code == 200
    assert JoinRequest.objects.filter(email="jo@example.test").exists()
    assert mail.outbox == []
    _sweep_later()
    # One email per admin of the location (the owner and the harbour admin).
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.owner.email, cast.admin.email])


def test_account_deletion(no_raise, cast):
    no_raise.force_login(cast.teammate.user)
    with broker_down():
        response = no_raise.post(
            reverse("portal:account_delete", args=[cast.org.slug]), {"confirm": "delete"}
        )
    assert response.status_code == 302
    assert Member.objects.get(pk=cast.teammate.pk).account_deleted_at is not None
    _sweep_later()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.owner.email, cast.admin.email])


def test_resend_keeps_the_old_link_until_the_new_email_is_sent(no_raise, cast):
    member = Member.objects.create(
        organization=cast.org, location=cast.harbour, first_name="Lou", email="lou@example.test"
    )
    member_invite(member=member, actor=cast.admin)  # broker up: sent at once
    old_path, _ = last_link("lou@example.test")
    no_raise.force_login(cast.admin)
    with broker_down():
        response = no_raise.post(
            reverse("adminportal:invitation_resend", args=[cast.org.slug, member.pk])
        )
    assert response.status_code == 302
    assert len(_to("lou@example.test")) == 1
    # The new email has not left: the link the person has still works.
    assert Invitation.objects.filter(member=member, sent_at__isnull=True).count() == 1
    assert no_raise.get(old_path).status_code == 200
    _sweep_later()
    assert len(_to("lou@example.test")) == 2
    new_path, _ = last_link("lou@example.test")
    assert new_path != old_path
    no_raise.logout()
    assert no_raise.get(old_path).status_code == 302  # revoked once the new one left
    assert no_raise.get(new_path).status_code == 200
