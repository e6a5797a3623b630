"""Fixtures for the integration pipeline: stub remotes, connections to them,
and (for ``worker`` tests) a real Celery worker over the local Redis."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection as db_connection

from config.celery import app as celery_app
from integrations.models import Delivery, DeliveryStatus, OutboxEvent
from integrations.services import connection_save
from tests.conftest import require_or_skip
from tests.stubs import STUBS, CapsuleStub, HubSpotStub, KisiStub, PaperCutStub, WebhookStub

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hubspot():
    with HubSpotStub() as stub:
        yield stub


@pytest.fixture
def capsule():
    with CapsuleStub() as stub:
        yield stub


@pytest.fixture
def kisi():
    with KisiStub() as stub:
        yield stub


@pytest.fixture
def papercut():
    with PaperCutStub() as stub:
        yield stub


@pytest.fixture
def webhook():
    with WebhookStub() as stub:
        yield stub


def connect(organization, stub, *, name=None, enabled=True):
    """A connection of ``organization`` to a running stub, made by the real action."""
    kind = next(kind for kind, cls in STUBS.items() if isinstance(stub, cls))
    return connection_save(
        organization=organization,
        kind=kind,
        name=name or f"{kind} {stub.port}",
        base_url=stub.client_url,
        credentials={key: str(value) for key, value in stub.credentials.items()},
        enabled=enabled,
    )


@pytest.fixture
def fast_pipeline(settings):
    """Short timeouts and backoff for in-process tests."""
    settings.INTEGRATIONS_HTTP_TIMEOUT = 0.5
    settings.INTEGRATIONS_BACKOFF_BASE = 0.01
    settings.INTEGRATIONS_BACKOFF_MAX = 0.05
    settings.INTEGRATIONS_MAX_ATTEMPTS = 4
    return settings


@pytest.fixture
def run(django_capture_on_commit_callbacks, fast_pipeline):
    """Run an action and everything it schedules after commit."""

    def runner(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return runner


# -- a real worker -------------------------------------------------------------------


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


class Worker:
    """``celery -A config worker`` in a subprocess, against the test database.

    Prefork with several processes by default, as in production: deliveries
    run concurrently, so a later change really could overtake an earlier one
    if the ordering rule did not hold them back.
    """

    def __init__(self, env: dict[str, str], log: Path, *, concurrency: int = 4):
        self.env = env
        self.log = log
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                f"--concurrency={self.concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                "-n",
                f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            # Its own process group: kill() takes the pool processes down too.
            start_new_session=True,
        )
        # Starting Celery and Django takes a few seconds, several times that
        # on a loaded machine; a worker that cannot start fails much sooner.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log.read_text()[-3000:]}")
            if b"ready." in self.log.read_bytes():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"worker did not start:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL to the main process and its pool processes: no chance to
        finish, ack or clean up."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        self.kill()  # whatever is left of the group


# The worker's pipeline settings; tests derive their waits from them.
WORKER_SETTINGS = {
    "INTEGRATIONS_HTTP_TIMEOUT": 2,
    "INTEGRATIONS_BACKOFF_BASE": 0.1,
    # Above the 1 s Retry-After the tests ask for (it is capped by this).
    "INTEGRATIONS_BACKOFF_MAX": 2,
    # Time limits are 50 % / 75 % of it: room for a sweep that fans out a few
    # hundred events in one go.
    "INTEGRATIONS_LEASE_SECONDS": 8,
    # Beat's sweep (which tests send through the broker) leaves changes
    # younger than this to their own task.
    "INTEGRATIONS_SWEEP_GRACE": 1,
    # The stubs have no rate limit; tests of the limit give a connection one.
    "INTEGRATIONS_VENDOR_RATE_LIMITS": "false",
}


@pytest.fixture
def worker_factory(transactional_db, tmp_path):
    """Start real workers; the test's web side stops running tasks inline.

    The worker is another process, so it only sees committed rows: hence
    ``transactional_db``. It uses the test database (``test_<name>``) and the
    same encryption key, lease and timeouts the test chose.
    """
    redis_url = settings.REDIS_URL or os.environ.get("REDIS_URL", "")
    if not redis_url or not _redis_reachable(redis_url):
        require_or_skip(f"Redis is not reachable at {redis_url or '(REDIS_URL unset)'}")
    if db_connection.vendor != "postgresql":
        require_or_skip("worker tests need PostgreSQL (a worker cannot share SQLite's test DB)")

    db = settings.DATABASES["default"]
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    # Purge what earlier runs left in this test Redis db.
    celery_app.control.purge()
    previous_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    workers: list[Worker] = []

    def start(*, concurrency: int = 4, **overrides) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "FIELD_ENCRYPTION_KEY": _encryption_key(),
            "LOG_LEVEL": "WARNING",
            **{name: str(value) for name, value in {**WORKER_SETTINGS, **overrides}.items()},
        }
        log = tmp_path / f"worker-{len(workers)}.log"
        worker = Worker(env, log, concurrency=concurrency).start()
        workers.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()
        celery_app.conf.task_always_eager = previous_eager
        celery_app.control.purge()


def _encryption_key() -> str:
    """The key this (web-side) process encrypts with, for the worker to decrypt."""
    from accounts.crypto import _derived_key

    return settings.FIELD_ENCRYPTION_KEY or _derived_key(settings.SECRET_KEY).decode()


def wait_until(predicate, *, timeout=60.0, interval=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def all_finished() -> bool:
    """Every event fanned out and each of its deliveries done (sent, skipped
    or given up on)."""
    # Events first: a fan-out commits an event's deliveries with the event
    # marked processed, so once every event reads processed, every delivery
    # is there to be read. The other way round, a sweep committing between
    # the two reads left nothing to see (the deliveries were not there yet,
    # the events were done) and the wait ended with 1,250 never sent.
    return (
        not OutboxEvent.objects.filter(processed_at__isnull=True).exists()
        and not Delivery.objects.exclude(
            status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.SKIPPED, DeliveryStatus.DEAD]
        ).exists()
    )
