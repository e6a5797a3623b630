"""Ending a person's sessions finds them through the login index, without
decoding every live session (R4.6)."""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts.models import UserSession
from accounts.sessions import end_sessions
from members.access import member_deactivate_access
from tests import factories as f
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_each_login_is_indexed_and_ended_by_user(client, cast, django_assert_max_num_queries):
    other = type(client)()
    client.post(reverse("account_login"), {"login": cast.teammate.email, "password": PASSWORD})
    other.force_login(cast.teammate.user)
    bystander = type(client)()
    bystander.force_login(cast.contact.user)
    assert UserSession.objects.filter(user=cast.teammate.user).count() == 2
    # Many other people's sessions: ending one person's does not read them.
    for member in f.PortalMemberFactory.create_batch(30, location=cast.harbour):
        type(client)().force_login(member.user)
    with django_assert_max_num_queries(5):
        assert end_sessions(cast.teammate.user) == 2
    assert not UserSession.objects.filter(user=cast.teammate.user).exists()
    assert client.get(reverse("portal:home", args=[cast.org.slug])).status_code == 302
    assert other.get(reverse("portal:home", args=[cast.org.slug])).status_code == 302
    assert bystander.get(reverse("portal:home", args=[cast.org.slug])).status_code == 200


def test_deactivation_ends_the_sessions(client, cast, django_capture_on_commit_callbacks):
    client.force_login(cast.teammate.user)
    with django_capture_on_commit_callbacks(execute=True):
        member_deactivate_access(member=cast.teammate, actor=cast.admin)
    assert not Session.objects.filter(
        session_key__in=UserSession.objects.filter(user=cast.teammate.user).values("session")
    ).exists()
    assert client.get(reverse("portal:home", args=[cast.org.slug])).status_code == 302


def test_account_deletion_ends_sessions_on_other_devices(
    client, cast, django_capture_on_commit_callbacks
):
    phone = type(client)()
    phone.force_login(cast.teammate.user)
    phone_key = phone.session.session_key
    client.force_login(cast.teammate.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:account_delete", args=[cast.org.slug]), {"confirm": "delete"})
    assert not Session.objects.filter(session_key=phone_key).exists()
    assert phone.get(reverse("portal:home", args=[cast.org.slug])).status_code == 302
