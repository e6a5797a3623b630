"""Every client classifies remote failures the same way (the shared ``send`` helper)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from integrations.http import Client, DeliveryError
from integrations.vendors import registry
from tests.integrations.helpers import FAST_TIMEOUT, LATE, make_person
from tests.stubs import STUBS, StubServer


def client_for(kind: str, stub: StubServer, url: str | None = None) -> Client:
    """Built exactly as the delivery pipeline will: registry + stored credentials."""
    return registry.get(kind).build_client(
        url or stub.client_url,
        stub.credentials,
        timeout=FAST_TIMEOUT,
        allow_private_hosts=True,
    )


@pytest.fixture(params=sorted(STUBS))
def remote(request: pytest.FixtureRequest) -> Iterator[tuple[StubServer, Client]]:
    with STUBS[request.param]() as stub, client_for(request.param, stub) as client:
        yield stub, client


def push(client: Client) -> None:
    client.push(make_person(), idempotency_key="evt-1")


def failure(client: Client) -> DeliveryError:
    with pytest.raises(DeliveryError) as info:
        push(client)
    return info.value


def test_429_with_retry_after_seconds(remote: tuple[StubServer, Client]) -> None:
    stub, client = remote
    stub.fail_next(status=429, retry_after=2)
    error = failure(client)
    assert (error.permanent, error.status_code, error.retry_after) == (False, 429, 2.0)
    push(client)  # the fault was used up; the next attempt goes through


def test_503_with_retry_after_http_date(remote: tuple[StubServer, Client]) -> None:
    stub, client = remote
    when = datetime.now(UTC) + timedelta(seconds=90)
    stub.fail_next(status=503, retry_after=format_datetime(when, usegmt=True))
    error = failure(client)
    assert not error.permanent and error.status_code == 503
    assert error.retry_after is not None and 80 <= error.retry_after <= 90


@pytest.mark.parametrize("status", [500, 502, 504, 408])
def test_server_errors_are_transient(remote: tuple[StubServer, Client], status: int) -> None:
    stub, client = remote
    stub.fail_next(status=status)
    error = failure(client)
    assert not error.permanent and error.status_code == status and error.retry_after is None


@pytest.mark.parametrize("status", [400, 401, 403, 422])
def test_client_errors_are_permanent(remote: tuple[StubServer, Client], status: int) -> None:
    stub, client = remote
    stub.fail_next(status=status, body={"message": "rejected by remote"})
    error = failure(client)
    assert error.permanent and error.status_code == status
    assert "rejected by remote" in str(error)


def test_hang_times_out_as_transient(remote: tuple[StubServer, Client]) -> None:
    stub, client = remote
    stub.fail_next(hang=LATE)
    error = failure(client)
    assert not error.permanent and error.status_code is None
    assert "timed out" in str(error)


def test_several_faults_apply_in_order(remote: tuple[StubServer, Client]) -> None:
    stub, client = remote
    stub.fail_next(status=500)
    stub.fail_next(status=429, retry_after=1)
    assert failure(client).status_code == 500
    assert failure(client).status_code == 429
    assert stub.pending_faults == 0
    push(client)


@pytest.mark.parametrize("kind", sorted(STUBS))
def test_nothing_listening_is_transient(kind: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/hooks/flex"
    with client_for(kind, STUBS[kind](), url) as client:
        error = failure(client)
    assert not error.permanent and error.status_code is None
