"""Ending a person's sessions finds them by the user id the session engine
stores beside each session, without decoding every live session, and
whatever cycled the key since login (R4.6)."""

import pytest
from django.urls import reverse

from accounts.models import LoginSession
from accounts.sessions import end_sessions
from members.actions.access import member_deactivate_access
from tests import factories as f
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _live(user):
    return LoginSession.objects.filter(user_id=user.pk)


def test_each_login_is_indexed_and_ended_by_user(client, cast, django_assert_max_num_queries):
    other = type(client)()
    client.post(reverse("account_login"), {"login": cast.teammate.email, "password": PASSWORD})
    other.force_login(cast.teammate.user)
    bystander = type(client)()
    bystander.force_login(cast.contact.user)
    assert _live(cast.teammate.user).count() == 2
    # Many other people's sessions: ending one person's does not read them.
    for member in f.PortalMemberFactory.create_batch(30, location=cast.harbour):
        type(client)().force_login(member.user)
    with django_assert_max_num_queries(2):
        assert end_sessions(cast.teammate.user) == 2
    assert not _live(cast.teammate.user).exists()
    assert client.get(reverse("portal:home", args=[cast.org.slug])).status_code == 302
    assert other.get(reverse("portal:home", args=[cast.org.slug])).status_code == 302
    assert bystander.get(reverse("portal:home", args=[cast.org.slug])).status_code == 200


def test_deactivation_ends_the_sessions(client, cast, django_capture_on_commit_callbacks):
    client.force_login(cast.teammate.user)
    with django_capture_on_commit_callbacks(execute=True):
        member_deactivate_access(member=cast.teammate, actor=cast.admin)
    assert not _live(cast.teammate.user).exists()
    assert client.get(reverse("portal:home", args=[cast.org.slug])).status_code == 302


def test_a_session_after_a_password_change_still_ends_on_deactivation(
    client, cast, django_capture_on_commit_callbacks
):
    """allauth's password change cycles the session key
    (update_session_auth_hash); the new key must still be found."""
    user = cast.teammate.user
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    old_key = client.session.session_key
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "New-pass-98765", "password2": "New-pass-98765"},
    )
    assert response.status_code == 302
    new_key = client.session.session_key
    assert new_key != old_key
    assert LoginSession.objects.get(session_key=new_key).user_id == user.pk
    assert client.get(reverse("portal:home", args=[cast.org.slug])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        member_deactivate_access(member=cast.teammate, actor=cast.admin)
    assert not LoginSession.objects.filter(session_key=new_key).exists()
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
    assert not LoginSession.objects.filter(session_key=phone_key).exists()
    assert phone.get(reverse("portal:home", args=[cast.org.slug])).status_code == 302
