"""The set-up a newcomer relies on: demo data, production checks, Django admin."""

import os
import subprocess
import sys

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from companies.models import Company
from members.models import Member, MemberStatus
from organizations.models import Organization
from tests import factories as f
from tests.conftest import hung_redis


def test_seed_demo_is_idempotent_and_covers_every_status(db, capsys):
    call_command("seed_demo")
    counts = (Organization.objects.count(), Company.objects.count(), Member.objects.count())
    call_command("seed_demo")
    assert (Organization.objects.count(), Company.objects.count(), Member.objects.count()) == counts
    assert counts[0] == 2
    assert set(Member.objects.values_list("status", flat=True)) == set(MemberStatus.values)
    assert all(c.contact_person and c.billing_person for c in Company.objects.all())
    assert "owner@northwind.test" in capsys.readouterr().out
    # A company at two locations, with a manager linked to one (seed 004).
    from companies.models import CompanyLocation, ContactLocation

    acme = Company.objects.get(name="Acme Robotics")
    assert CompanyLocation.objects.filter(company=acme).count() == 2
    assert ContactLocation.objects.filter(company=acme).count() == 1


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 64 + "production-like-secret-key-for-the-check",
    "DJANGO_ALLOWED_HOSTS": "flex.example.com",
    "SITE_URL": "https://flex.example.com",
    "DATABASE_URL": "postgres://flex:flex@127.0.0.1:5432/flex",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "FIELD_ENCRYPTION_KEY": "Z2V0LXlvdXItb3duLWtleS1mb3ItcHJvZHVjdGlvbi0=",
}


def test_production_settings_pass_the_deploy_check():
    env = {**os.environ, **PRODUCTION_ENV}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "email_url, backend",
    [
        ("", "django.core.mail.backends.smtp.EmailBackend"),
        ("consolemail://", "django.core.mail.backends.console.EmailBackend"),
    ],
)
def test_production_email_follows_email_url(email_url, backend):
    env = {**os.environ, **PRODUCTION_ENV, "EMAIL_URL": email_url}
    env.pop("EMAIL_BACKEND", None)
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.EMAIL_BACKEND)"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.stdout.strip() == backend, result.stderr


PROJECT_APPS = {"accounts", "organizations", "companies", "members", "integrations", "adminportal"}


def project_models():
    # Group object permissions are unused (no groups are granted anything).
    # Sessions are never shown: a session key is the login itself (issue 10);
    # the User page counts them and ends them.
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label in PROJECT_APPS
        and not m.__name__.endswith("GroupObjectPermission")
        and m.__name__ != "LoginSession"
    ]


@pytest.mark.parametrize("model", project_models(), ids=lambda m: m._meta.label)
def test_every_model_is_in_django_admin_with_search_and_a_working_changelist(client, cast, model):
    assert model in admin.site._registry, f"{model._meta.label} is not registered"
    model_admin = admin.site._registry[model]
    assert model_admin.search_fields, f"{model._meta.label} has no search"
    client.force_login(f.StaffFactory())
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url, {"q": "a"}).status_code == 200


def test_a_hung_redis_fails_the_shared_cache_fast():
    """Login and the join form count attempts in the shared cache: a Redis
    that takes the connection and never answers must not hold the request."""
    code = (
        "import time, django; django.setup(); from django.core.cache import cache\n"
        "started = time.monotonic()\n"
        "try: cache.get('attempts')\n"
        "except Exception as error: print(type(error).__name__, round(time.monotonic() - started))"
    )
    with hung_redis() as url:
        env = {**os.environ, **PRODUCTION_ENV, "REDIS_URL": url}
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30
        )
    error, seconds = result.stdout.split()
    assert error == "TimeoutError" and int(seconds) < 5, result.stderr
