"""Test settings: the database comes from DATABASE_URL (PostgreSQL in CI)."""

import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL


def _redis_database_of_worker(url: str, worker: str) -> str:
    """pytest-xdist's worker gwN uses Redis database base + N, as it uses
    its own test database: one worker's Celery tasks and cache keys must
    never reach the other's (their rows share ids)."""
    if not url or not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + int(worker[2:])) % 16}"))


REDIS_URL = _redis_database_of_worker(REDIS_URL, os.environ.get("PYTEST_XDIST_WORKER", ""))

# The suite must pass on a loaded machine: no statement limit in the test
# process itself (a 10,000-row test's deferred checks can run long there).
# Servers the tests start get the real settings.
DATABASES["default"].get("OPTIONS", {}).pop("options", None)

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks inline; delivery tests start a real worker over
# REDIS_URL and switch this off themselves.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_RATE_LIMITS = False
# Per test process, whatever REDIS_URL says: counters must not leak between tests.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
# The stub remotes listen on 127.0.0.1; tests of the guard switch this off.
INTEGRATIONS_ALLOW_PRIVATE_HOSTS = True
# Rate limits: each test process counts on its own, and only a connection's
# own limit applies (the stubs have none; tests of the limit set one).
INTEGRATIONS_THROTTLE_REDIS_URL = ""
INTEGRATIONS_VENDOR_RATE_LIMITS = False
