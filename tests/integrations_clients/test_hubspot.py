"""HubSpot: upsert by email, never a duplicate contact."""

from __future__ import annotations

import pytest

from integrations.vendors import DeliveryError, HubSpotClient
from tests.stubs import HubSpotStub

from .helpers import FAST_TIMEOUT, LATE, make_person


def client_for(stub: HubSpotStub, token: str | None = None) -> HubSpotClient:
    return HubSpotClient(
        stub.url, access_token=token or stub.access_token, timeout=2.0, allow_private_hosts=True
    )


def test_upsert_twice_keeps_one_contact_with_the_latest_data(hubspot_stub: HubSpotStub) -> None:
    with client_for(hubspot_stub) as client:
        client.push(make_person(), idempotency_key="evt-1")
        client.push(make_person(phone="+49 30 1234", status="former"), idempotency_key="evt-2")

    assert list(hubspot_stub.contacts) == ["ada@example.com"]
    assert hubspot_stub.created_count == 1
    assert hubspot_stub.contact("ada@example.com") == {
        "email": "ada@example.com",
        "firstname": "Ada",
        "lastname": "Lovelace",
        "phone": "+49 30 1234",
        "company": "Analytical Engines Ltd",
        "member_status": "former",
        "location": "Berlin Mitte",
    }


def test_request_shape(hubspot_stub: HubSpotStub) -> None:
    with client_for(hubspot_stub) as client:
        client.push(make_person(), idempotency_key="evt-1")
    (request,) = hubspot_stub.requests
    assert (request.method, request.path) == ("POST", "/crm/v3/objects/contacts/batch/upsert")
    assert request.header("authorization") == f"Bearer {hubspot_stub.access_token}"
    assert request.header("idempotency-key") == "evt-1"
    assert request.header("user-agent", "").startswith("flexcommunity-integrations/")
    (item,) = request.body["inputs"]
    assert item["idProperty"] == "email" and item["id"] == "ada@example.com"


def test_removed_member_keeps_the_contact_marked_removed(hubspot_stub: HubSpotStub) -> None:
    with client_for(hubspot_stub) as client:
        client.push(make_person(), idempotency_key="evt-1")
        client.push(make_person(status="removed"), idempotency_key="evt-2")
    assert hubspot_stub.contact("ada@example.com")["member_status"] == "removed"  # type: ignore[index]
    assert hubspot_stub.created_count == 1


def test_retry_after_a_timeout_does_not_duplicate(hubspot_stub: HubSpotStub) -> None:
    hubspot_stub.fail_next(hang=LATE)  # the stub does the work, but answers too late
    with HubSpotClient(
        hubspot_stub.url, hubspot_stub.access_token, timeout=FAST_TIMEOUT, allow_private_hosts=True
    ) as client:
        with pytest.raises(DeliveryError) as info:
            client.push(make_person(), idempotency_key="evt-1")
        assert not info.value.permanent
        hubspot_stub.wait_idle()
        client.push(make_person(), idempotency_key="evt-1")
    assert hubspot_stub.created_count == 1


def test_bad_token_is_permanent(hubspot_stub: HubSpotStub) -> None:
    with client_for(hubspot_stub, token="wrong") as client, pytest.raises(DeliveryError) as info:
        client.push(make_person(), idempotency_key="evt-1")
    assert info.value.permanent and info.value.status_code == 401
    assert hubspot_stub.contacts == {}


def test_multi_status_with_errors_is_permanent(hubspot_stub: HubSpotStub) -> None:
    hubspot_stub.fail_next(
        status=207,
        body={"status": "COMPLETE", "results": [], "errors": [{"message": "Property "
              "\"member_status\" does not exist", "category": "VALIDATION_ERROR"}]},
    )  # fmt: skip
    with client_for(hubspot_stub) as client, pytest.raises(DeliveryError) as info:
        client.push(make_person(), idempotency_key="evt-1")
    assert info.value.permanent
    assert "member_status" in str(info.value)


def test_member_without_email_is_permanent_and_sends_nothing(hubspot_stub: HubSpotStub) -> None:
    with client_for(hubspot_stub) as client, pytest.raises(DeliveryError) as info:
        client.push(make_person(email=""), idempotency_key="evt-1")
    assert info.value.permanent
    assert hubspot_stub.requests == []
