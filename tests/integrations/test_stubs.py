"""The stubs themselves: recording, fault queue, reset, concurrency, shutdown."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from integrations.http import DeliveryError
from integrations.vendors.hubspot.client import HubSpotClient
from integrations.vendors.kisi.client import KisiClient
from tests.integrations.conftest import wait_until
from tests.integrations.helpers import make_person
from tests.stubs import HubSpotStub, KisiStub


def test_requests_are_recorded_with_parsed_body_and_time(hubspot: HubSpotStub) -> None:
    before = time.time()
    httpx.post(
        hubspot.url + "/crm/v3/objects/contacts/batch/upsert?x=1",
        json={"inputs": []},
        headers={"Authorization": "Bearer nope"},
    )
    (request,) = hubspot.requests
    assert request.method == "POST"
    assert request.path == "/crm/v3/objects/contacts/batch/upsert"
    assert request.query == {"x": "1"}
    assert request.body == {"inputs": []}
    assert request.header("Authorization") == "Bearer nope"
    assert before <= request.received_at <= time.time()


def test_a_request_cut_off_mid_body_is_not_a_request(hubspot: HubSpotStub) -> None:
    """A worker killed while sending leaves headers and part of a body: no
    server would hand that to its application, so the stub records nothing
    (a delivery test once counted such a half as an unsigned webhook)."""
    with socket.create_connection(("127.0.0.1", hubspot.port)) as sender:
        sender.sendall(
            b"POST /crm/v3/objects/contacts/batch/upsert HTTP/1.1\r\n"
            b"Host: stub\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            b'{"inputs": ['
        )
    wait_until(lambda: hubspot.cut_off == 1, timeout=10, message="the cut-off request")
    assert hubspot.requests == []


def test_fault_with_retry_after_and_reset(hubspot: HubSpotStub) -> None:
    hubspot.fail_next(status=429, retry_after=2, times=2)
    assert hubspot.pending_faults == 2
    response = httpx.get(hubspot.url + "/anything")
    assert (response.status_code, response.headers["Retry-After"]) == (429, "2")
    hubspot.reset()
    assert hubspot.pending_faults == 0 and hubspot.requests == []
    assert httpx.get(hubspot.url + "/anything").status_code == 401


def test_a_dropped_request_is_applied_and_never_answered(hubspot: HubSpotStub) -> None:
    hubspot.fail_next(drop=True, method="POST")
    with (
        HubSpotClient(
            hubspot.url, hubspot.access_token, timeout=5, allow_private_hosts=True
        ) as client,
        pytest.raises(DeliveryError) as lost,
    ):
        client.push(make_person(email="ada@example.com"), idempotency_key="k")
    assert not lost.value.permanent and "network error" in str(lost.value)
    assert hubspot.contact("ada@example.com") is not None
    (request,) = hubspot.requests
    assert request.fault is not None and request.fault.drop


def test_fail_next_needs_something_to_do(hubspot: HubSpotStub) -> None:
    with pytest.raises(ValueError):
        hubspot.fail_next()


def test_concurrent_upserts_of_one_email_make_one_contact(hubspot: HubSpotStub) -> None:
    def push(index: int) -> None:
        with HubSpotClient(
            hubspot.url, hubspot.access_token, timeout=5, allow_private_hosts=True
        ) as client:
            client.push(make_person(email=f"m{index % 5}@example.com"), idempotency_key=str(index))

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(push, range(60)))
    assert len(hubspot.requests) == 60
    assert sorted(hubspot.contacts) == [f"m{i}@example.com" for i in range(5)]
    assert hubspot.created_count == 5


def test_concurrent_kisi_members_each_get_exactly_one_assignment(kisi: KisiStub) -> None:
    def push(index: int) -> None:
        client = KisiClient(
            kisi.url,
            kisi.api_key,
            kisi.group_id,
            timeout=5,
            allow_private_hosts=True,
        )
        with client:
            client.push(make_person(email=f"m{index}@example.com"), idempotency_key=str(index))

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(push, range(24)))
    assert all(len(kisi.assignments_for(f"m{i}@example.com")) == 1 for i in range(24))


def test_stop_does_not_wait_for_a_hanging_request() -> None:
    stub = HubSpotStub().start()
    stub.fail_next(hang=30)
    with pytest.raises(httpx.TimeoutException):
        httpx.get(stub.url + "/x", timeout=0.2)
    started = time.monotonic()
    stub.stop()
    assert time.monotonic() - started < 3
    stub.wait_idle(timeout=3)
