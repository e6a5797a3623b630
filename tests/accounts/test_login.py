"""Login through allauth's real views: password and emailed code."""

import re

from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD


def test_password_login_lands_a_member_in_the_member_portal(client, cast):
    response = client.post(
        reverse("account_login"), {"login": cast.contact.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("portal:home", args=[cast.org.slug])
    assert response.status_code == 200


def test_password_login_lands_an_admin_in_the_admin_portal(client, cast):
    response = client.post(
        reverse("account_login"), {"login": cast.admin.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("adminportal:home", args=[cast.org.slug])


def test_wrong_password_is_refused(client, cast):
    response = client.post(
        reverse("account_login"), {"login": cast.contact.email, "password": "nope"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_by_emailed_code(client, cast):
    response = client.post(reverse("account_request_login_code"), {"email": cast.contact.email})
    assert response.status_code == 302
    code = re.search(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]+)*)\s*$", mail.outbox[-1].body, re.M).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home", args=[cast.org.slug])


def test_wrong_code_does_not_log_in(client, cast):
    client.post(reverse("account_request_login_code"), {"email": cast.contact.email})
    client.post(reverse("account_confirm_login_code"), {"code": "XXXXXX"})
    assert "_auth_user_id" not in client.session


def test_signup_is_closed(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.test", "password1": "x-Long-pass-1", "password2": "x-Long-pass-1"},
    )
    from accounts.models import User

    assert not User.objects.filter(email="new@example.test").exists()
    assert response.status_code == 200


def test_login_without_any_access_explains_itself(client, db):
    from tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "no portal access" in response.content.decode()
