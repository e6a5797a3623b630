"""A database that hangs or drops connections: the web server answers an
error page within seconds and recovers by itself (issue 10, item 12).

A real gunicorn (threaded, as the issue found it) serves the project with its
own settings, connected to the test database through a TCP proxy that the
test switches to "accept and never answer" or uses to cut every open
connection.
"""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection as db_connection
from django.urls import reverse

from tests.conftest import require_or_skip
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
#: Loose on purpose (a busy 2-core machine): before the fix a request waited
#: for as long as the client let it (130 s in the report).
FAST = 10.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def web_server(database_url: str, *, conn_max_age: int, log: Path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": str(conn_max_age),
        # The page needs neither a broker nor a shared cache.
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
    }
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                "--workers=1",
                # One thread: the second request reuses the first one's pooled
                # connection. gthread, where gunicorn's own timeout never fires.
                "--worker-class=gthread",
                "--threads=1",
                "--timeout=300",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/favicon.ico", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gunicorn did not start:\n{log.read_text()[-3000:]}"
                    ) from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def database_proxy():
    if db_connection.vendor != "postgresql":
        require_or_skip("database fault tests need PostgreSQL")
    db = settings.DATABASES["default"]
    with TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)) as proxy:
        proxy.url = f"postgres://{db['USER']}:{db['PASSWORD']}@127.0.0.1:{proxy.port}/{db['NAME']}"
        yield proxy


def _get(url: str) -> tuple[int, float]:
    started = time.monotonic()
    try:
        status = httpx.get(url, timeout=FAST * 3).status_code
    except httpx.TimeoutException:
        status = None
    return status, time.monotonic() - started


def test_a_hung_database_gives_an_error_page_within_seconds_and_the_server_recovers(
    cast, database_proxy, tmp_path
):
    with web_server(database_proxy.url, conn_max_age=0, log=tmp_path / "web.log") as base:
        page = base + reverse("join:location", args=[cast.org.slug, cast.harbour.slug])
        assert _get(page)[0] == 200

        database_proxy.hang()
        status, took = _get(page)
        assert status == 500 and took < FAST, (status, f"{took:.1f}s")

        database_proxy.forward()
        assert _get(page)[0] == 200


def test_a_pooled_connection_the_database_dropped_is_replaced_not_a_500(
    cast, database_proxy, tmp_path
):
    with web_server(database_proxy.url, conn_max_age=600, log=tmp_path / "web.log") as base:
        page = base + reverse("join:location", args=[cast.org.slug, cast.harbour.slug])
        assert _get(page)[0] == 200
        assert database_proxy.live_connections == 1  # kept for the next request

        database_proxy.drop()  # a database restart, a failover
        assert _get(page)[0] == 200
        assert _get(page)[0] == 200
