"""The data migration that records which logins proved their address
(accounts 0004, issue 10 item 1): verified only where the person showed
they control it, and a login whose address was switched on the old
unverified email page loses its password and sessions."""

import importlib

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.test import Client
from django.utils import timezone

from accounts.models import LoginSession, User
from tests import factories as f

pytestmark = pytest.mark.django_db


def _migrate():
    module = importlib.import_module("accounts.migrations.0004_proven_addresses")
    module.prove_addresses(apps, None)


def _as_before(user, *rows, logged_in=True):
    """A login as it stood before verification: whatever rows the old email
    page left (``(email, primary, verified)``), and a last login or none."""
    EmailAddress.objects.filter(user=user).delete()
    for email, primary, verified in rows:
        EmailAddress.objects.create(user=user, email=email, primary=primary, verified=verified)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now() if logged_in else None)
    return user


def _rows(user):
    rows = EmailAddress.objects.filter(user=user)
    return sorted(rows.values_list("email", "primary", "verified"))


def test_each_login_gets_its_address_verified_only_where_it_was_proven(db):
    used = _as_before(f.UserFactory(email="used@example.test"))
    never = _as_before(f.UserFactory(email="never@example.test"), logged_in=False)
    looked = _as_before(
        f.UserFactory(email="looked@example.test"), ("looked@example.test", False, False)
    )
    confirmed = _as_before(
        f.UserFactory(email="linked@example.test"),
        ("linked@example.test", True, True),
        logged_in=False,
    )
    added = _as_before(
        f.UserFactory(email="added@example.test"),
        ("added@example.test", False, False),
        ("other@example.test", False, False),
    )
    _migrate()
    assert _rows(used) == [("used@example.test", True, True)]
    assert _rows(never) == [("never@example.test", True, False)]
    assert _rows(looked) == [("looked@example.test", True, True)]
    assert _rows(confirmed) == [("linked@example.test", True, True)]
    # An address typed and never confirmed proves nothing and is dropped.
    assert _rows(added) == [("added@example.test", True, True)]
    _migrate()  # idempotent
    assert _rows(used) == [("used@example.test", True, True)]


def test_a_login_whose_address_was_switched_without_proof_loses_password_and_sessions(db):
    attacker = f.UserFactory(email="victim@example.test")
    _as_before(
        attacker,
        ("attacker@example.test", False, False),
        ("victim@example.test", True, False),
    )
    browser = Client()
    browser.force_login(attacker)
    bystander = f.UserFactory()
    Client().force_login(bystander)
    _migrate()
    attacker.refresh_from_db()
    assert _rows(attacker) == [("victim@example.test", True, False)]
    assert not attacker.has_usable_password()
    assert not LoginSession.objects.filter(user_id=attacker.pk).exists()
    assert LoginSession.objects.filter(user_id=bystander.pk).exists()
    assert bystander.has_usable_password()
