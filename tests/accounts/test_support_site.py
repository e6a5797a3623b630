"""The support site (/support/, Django admin) is reached through allauth's
login, with its rate limits and a second factor staff must set up (issue
10, item 4), and it shows no usable session key (item 5)."""

import datetime
import time

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import LoginSession
from tests import factories as f
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2030, 1, 7, 12, 0, 5, tzinfo=datetime.UTC)


@pytest.fixture
def staff(db):
    return f.UserFactory(email="helper@vendor.test", is_staff=True, is_superuser=True)


def _totp(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _with_totp(user) -> str:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def support(client):
    """A staff member with TOTP set up, logged in."""
    client.force_login(f.StaffFactory())
    return client


# ------------------------------------------------------------------ item 4


def test_the_support_login_is_allauths_with_its_rate_limits(client, staff, settings):
    settings.ACCOUNT_RATE_LIMITS = {}  # allauth's defaults, as in production
    cache.clear()
    response = client.get("/support/login/?next=/support/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    # A password posted to Django's own admin form logs nobody in.
    client.post("/support/login/", {"username": staff.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    for _ in range(15):
        client.post(reverse("account_login"), {"login": staff.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()
    cache.clear()


def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, staff):
    client.force_login(staff)
    for path in (
        "/support/",
        "/support/accounts/user/",
        f"/support/accounts/user/{staff.pk}/change/",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(reverse("mfa_activate_totp")), path


def test_staff_set_up_totp_on_first_login_and_then_get_in(client, staff):
    with time_machine.travel(NOON, tick=False):
        response = client.post(
            reverse("account_login") + "?next=/support/",
            {"login": staff.email, "password": PASSWORD},
            follow=True,
        )
        # Setting up a second factor asks for the password again (allauth's
        # reauthentication), then shows the secret to scan.
        assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
        response = client.post(response.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("mfa_activate_totp"))
        from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

        secret = client.session[SECRET_SESSION_KEY]
        response = client.post(reverse("mfa_activate_totp"), {"code": _totp(secret)})
        assert response.status_code == 302
        assert client.get("/support/").status_code == 200
        # Recovery codes come with it, for a lost phone.
        assert client.get(reverse("mfa_view_recovery_codes")).status_code == 200


def test_staff_with_totp_must_give_a_code(client, staff):
    secret = _with_totp(staff)
    with time_machine.travel(NOON, tick=False):
        client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
        assert "_auth_user_id" not in client.session  # a password alone is not enough
        assert client.get("/support/").status_code == 302
        code = _totp(secret)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        client.post(reverse("mfa_authenticate"), {"code": wrong})
        assert "_auth_user_id" not in client.session
        client.post(reverse("mfa_authenticate"), {"code": code})
        assert client.session["_auth_user_id"] == str(staff.pk)
        assert client.get("/support/").status_code == 200


def test_a_member_is_not_let_into_the_support_site(client, cast):
    client.force_login(cast.teammate.user)
    response = client.get("/support/")
    assert response.status_code in (302, 403)
    assert "Site administration" not in response.content.decode()


# ------------------------------------------------------------------ item 5


def test_the_support_site_shows_no_session_key(support, cast):
    member = Client()
    member.force_login(cast.teammate.user)
    key = member.session.session_key
    for path in (
        "/support/",
        "/support/accounts/user/",
        f"/support/accounts/user/{cast.teammate.user_id}/change/",
        "/support/accounts/loginsession/",
        f"/support/accounts/loginsession/{key}/change/",
    ):
        response = support.get(path, follow=True)
        assert key not in response.content.decode(), path
    assert support.get("/support/accounts/loginsession/").status_code == 404


def test_the_user_page_counts_live_sessions_and_support_can_end_them(support, cast):
    user = cast.teammate.user
    for _ in range(2):
        Client().force_login(user)
    page = support.get(f"/support/accounts/user/{user.pk}/change/").content.decode()
    assert "Live sessions" in page and ">2<" in page
    response = support.post(
        "/support/accounts/user/",
        {"action": "end_all_sessions", "_selected_action": [user.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert not LoginSession.objects.filter(user_id=user.pk).exists()
    entry = LogEntry.objects.get(object_id=str(user.pk))
    assert entry.user_id != user.pk and "Ended 2 live sessions" in entry.get_change_message()
