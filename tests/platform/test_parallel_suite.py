"""`make test` runs the suite on two processes (pytest-xdist): each has its
own Redis database, as it has its own test database, since the rows of the
two share ids and a real worker started by one must not take the other's
tasks."""

import os

from django.conf import settings

from config.settings.test import _redis_database_of_worker


def test_each_process_gets_the_next_redis_database():
    url = "redis://127.0.0.1:6379/7"
    assert _redis_database_of_worker(url, "gw0") == "redis://127.0.0.1:6379/7"
    assert _redis_database_of_worker(url, "gw1") == "redis://127.0.0.1:6379/8"
    assert _redis_database_of_worker("redis://127.0.0.1:6379", "gw1") == (
        "redis://127.0.0.1:6379/1"
    )
    assert _redis_database_of_worker("redis://:secret@redis:6379/15", "gw1") == (
        "redis://:secret@redis:6379/0"
    )


def test_one_process_or_no_redis_keeps_the_url():
    assert _redis_database_of_worker("redis://127.0.0.1:6379/7", "") == "redis://127.0.0.1:6379/7"
    assert _redis_database_of_worker("", "gw1") == ""


def test_this_process_uses_its_own_database_for_tasks_too():
    if not settings.REDIS_URL:
        return  # no Redis here: tasks run in memory
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    base = _redis_database_of_worker(os.environ["REDIS_URL"], worker)
    assert settings.REDIS_URL == base == settings.CELERY_BROKER_URL
