"""`make run`'s process set, started as the Makefile starts it (honcho with
Procfile.dev) on a fresh SQLite file with the embedded broker and no Redis:
a change made in the database reaches a remote through the worker, and beat's
heartbeat is written. Needs no service, so it runs (never skips) everywhere."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.stubs import WebhookStub

ROOT = Path(__file__).resolve().parents[2]
HONCHO = Path(sys.executable).parent / "honcho"

pytestmark = pytest.mark.processes

# Run in `manage.py shell` against the temporary database, as an admin's
# status change would run in the web process.
CHANGE = """
from django_scopes import scope

from integrations.services import connection_save
from members.actions.status import member_change_status
from members.models import MemberStatus
from tests import factories as f

location = f.LocationFactory()
with scope(organization=location.organization):
    member = f.MemberFactory(location=location, first_name="Ada")
    connection_save(
        organization=location.organization, kind="webhook", name="Receiver",
        base_url={url!r}, credentials={{"secret": {secret!r}}},
    )
    member_change_status(member=member, status=MemberStatus.FORMER, via="admin")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"no {what} after {timeout}s:\n{log.read_text()[-4000:]}")


@pytest.fixture
def embedded_env(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, timeout=300)
    return env


def web_answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_make_run_delivers_through_its_own_worker_without_redis(embedded_env, tmp_path):
    assert "honcho -f Procfile.dev start -p 8000" in (ROOT / "Makefile").read_text()
    port = free_port()
    log = tmp_path / "honcho.log"
    with WebhookStub() as receiver, log.open("wb") as output:
        honcho = subprocess.Popen(
            [str(HONCHO), "-f", "Procfile.dev", "start", "-p", str(port)],
            cwd=ROOT,
            env=embedded_env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(lambda: b"ready." in log.read_bytes(), timeout=90, what="worker", log=log)
            wait_for(lambda: web_answers(port), timeout=90, what="web server", log=log)

            script = CHANGE.format(url=receiver.endpoint, secret=receiver.secret)
            subprocess.run(
                [sys.executable, "manage.py", "shell", "-c", script],
                cwd=ROOT,
                env=embedded_env,
                check=True,
                timeout=120,
                capture_output=True,
            )
            wait_for(
                lambda: any(
                    d.payload["data"]["status"] == "former" for d in receiver.unique_deliveries()
                ),
                timeout=60,
                what="delivery at the receiver",
                log=log,
            )
            # Beat's first heartbeat goes out when it starts; the worker ran it.
            database = tmp_path / "db.sqlite3"

            def heartbeat_written() -> bool:
                with sqlite3.connect(database) as db:
                    query = "select count(*) from background_heartbeat where name = 'worker'"
                    return db.execute(query).fetchone()[0] == 1

            wait_for(heartbeat_written, timeout=60, what="heartbeat", log=log)
        finally:
            honcho.send_signal(signal.SIGTERM)  # honcho stops web, worker and beat
            try:
                honcho.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(honcho.pid, signal.SIGKILL)
                honcho.wait(timeout=10)

    [delivery] = receiver.unique_deliveries()
    assert delivery.event_type == "member.status_changed" and delivery.verified
    assert b"transport:   filesystem://" in log.read_bytes()  # no Redis involved
