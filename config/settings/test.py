"""Test settings: the database comes from DATABASE_URL (PostgreSQL in CI)."""

from .base import *  # noqa: F403
from .base import DATABASES, env

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
CELERY_BROKER_URL = env("REDIS_URL", default="") or "memory://localhost/"
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
