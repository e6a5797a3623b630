"""HubSpot: upsert by email, never a duplicate contact."""

from __future__ import annotations

import pytest

from integrations.http import DeliveryError
from integrations.vendors.hubspot.client import HubSpotClient
from tests.integrations.helpers import FAST_TIMEOUT, LATE, make_person
from tests.stubs import HubSpotStub


def client_for(stub: HubSpotStub, token: str | None = None) -> HubSpotClient:
    return HubSpotClient(
        stub.url, access_token=token or stub.access_token, timeout=2.0, allow_private_hosts=True
    )


def test_upsert_twice_keeps_one_contact_with_the_latest_data(hubspot: HubSpotStub) -> None:
    with client_for(hubspot) as client:
        client.push(make_person(), idempotency_key="evt-1")
        client.push(make_person(phone="+49 30 1234", status="former"), idempotency_key="evt-2")

    assert list(hubspot.contacts) == ["ada@example.com"]
    assert hubspot.created_count == 1
    assert hubspot.contact("ada@example.com") == {
        "email": "ada@example.com",
        "firstname": "Ada",
        "lastname": "Lovelace",
        "phone": "+49 30 1234",
        "company": "Analytical Engines Ltd",
        "member_status": "former",
        "location": "Berlin Mitte",
    }


def test_request_shape(hubspot: HubSpotStub) -> None:
    with client_for(hubspot) as client:
        client.push(make_person(), idempotency_key="evt-1")
    (request,) = hubspot.requests
    assert (request.method, request.path) == ("POST", "/crm/v3/objects/contacts/batch/upsert")
    assert request.header("authorization") == f"Bearer {hubspot.access_token}"
    assert request.header("idempotency-key") == "evt-1"
    assert request.header("user-agent", "").startswith("flexcommunity-integrations/")
    (item,) = request.body["inputs"]
    assert item["idProperty"] == "email" and item["id"] == "ada@example.com"


def test_removed_member_keeps_the_contact_marked_removed(hubspot: HubSpotStub) -> None:
    with client_for(hubspot) as client:
        client.push(make_person(), idempotency_key="evt-1")
        client.push(make_person(status="removed"), idempotency_key="evt-2")
    assert hubspot.contact("ada@example.com")["member_status"] == "removed"  # type: ignore[index]
    assert hubspot.created_count == 1


def test_retry_after_a_timeout_does_not_duplicate(hubspot: HubSpotStub) -> None:
    hubspot.fail_next(hang=LATE)  # the stub does the work, but answers too late
    with HubSpotClient(
        hubspot.url, hubspot.access_token, timeout=FAST_TIMEOUT, allow_private_hosts=True
    ) as client:
        with pytest.raises(DeliveryError) as info:
            client.push(make_person(), idempotency_key="evt-1")
        assert not info.value.permanent
        hubspot.wait_idle()
        client.push(make_person(), idempotency_key="evt-1")
    assert hubspot.created_count == 1


def test_bad_token_is_permanent(hubspot: HubSpotStub) -> None:
    with client_for(hubspot, token="wrong") as client, pytest.raises(DeliveryError) as info:
        client.push(make_person(), idempotency_key="evt-1")
    assert info.value.permanent and info.value.status_code == 401
    assert hubspot.contacts == {}


def test_multi_status_with_errors_is_permanent(hubspot: HubSpotStub) -> None:
    hubspot.fail_next(
        status=207,
        body={"status": "COMPLETE", "results": [], "errors": [{"message": "Property "
              "\"member_status\" does not exist", "category": "VALIDATION_ERROR"}]},
    )  # fmt: skip
    with client_for(hubspot) as client, pytest.raises(DeliveryError) as info:
        client.push(make_person(), idempotency_key="evt-1")
    assert info.value.permanent
    assert "member_status" in str(info.value)


def test_member_without_email_is_permanent_and_sends_nothing(hubspot: HubSpotStub) -> None:
    with client_for(hubspot) as client, pytest.raises(DeliveryError) as info:
        client.push(make_person(email=""), idempotency_key="evt-1")
    assert info.value.permanent
    assert hubspot.requests == []


# -- a changed email, a deleted account ---------------------------------------------

OLD, MID, NEW = "ada@old.example", "ada@mid.example", "ada@new.example"


def test_moves_the_contact_to_the_new_email(hubspot):
    with client_for(hubspot) as client:
        client.push(make_person(email=OLD), idempotency_key="k1")
        client.push(
            make_person(email=NEW, status="former"), idempotency_key="k2", previous_emails=[OLD]
        )
        # A retry after the move (the PATCH now misses) must not create a second one.
        client.push(
            make_person(email=NEW, status="former"), idempotency_key="k2", previous_emails=[OLD]
        )
    assert list(hubspot.contacts) == [NEW]
    assert hubspot.contact(NEW)["member_status"] == "former"
    assert hubspot.created_count == 1


def test_without_a_contact_under_the_old_email_creates_one(hubspot):
    with client_for(hubspot) as client:
        client.push(make_person(email=NEW), idempotency_key="k", previous_emails=[OLD])
    assert list(hubspot.contacts) == [NEW] and hubspot.created_count == 1


def test_new_email_taken_by_another_contact_updates_that_one(hubspot):
    with client_for(hubspot) as client:
        client.push(make_person(email=OLD, first_name="Old"), idempotency_key="k1")
        client.push(make_person(email=NEW, first_name="Other"), idempotency_key="k2")
        left = client.push(
            make_person(email=NEW, first_name="Ada"), idempotency_key="k3", previous_emails=[OLD]
        )
    assert hubspot.contact(NEW)["firstname"] == "Ada"
    assert hubspot.created_count == 2  # no third contact
    assert left == [OLD]  # still holds a contact: the pipeline keeps the address


def test_moves_the_contact_from_whichever_earlier_address_holds_it(hubspot):
    with client_for(hubspot) as client:
        client.push(make_person(email=MID), idempotency_key="k1")
        left = client.push(make_person(email=NEW), idempotency_key="k2", previous_emails=[OLD, MID])
    assert left == []
    assert list(hubspot.contacts) == [NEW] and hubspot.created_count == 1


def test_erase_archives_the_contact_and_is_idempotent(hubspot):
    with client_for(hubspot) as client:
        client.push(make_person(email=OLD), idempotency_key="k1")
        client.erase(OLD, idempotency_key="k2")
        client.erase(OLD, idempotency_key="k2")  # a retry: nothing left, done
    assert hubspot.contacts == {}
    assert [c["properties"]["email"] for c in hubspot.archived] == [OLD]


# -- many contacts in one call ------------------------------------------------------


def test_push_many_upserts_a_hundred_contacts_in_one_call(hubspot):
    people = [
        (make_person(member_id=i, email=f"m{i}@example.com"), f"delivery-{i}") for i in range(100)
    ]
    with client_for(hubspot) as client:
        assert client.push_many(people) == {}
        with pytest.raises(ValueError):
            client.push_many([*people, (make_person(email="one@too.many"), "delivery-x")])
    (request,) = hubspot.requests
    assert [item["objectWriteTraceId"] for item in request.body["inputs"]] == [
        key for _, key in people
    ]
    assert hubspot.created_count == 100


def test_push_many_fails_only_the_inputs_hubspot_rejected(hubspot):
    """207 Multi-Status: the error names its input by objectWriteTraceId."""
    hubspot.fail_next(
        status=207,
        body={
            "status": "COMPLETE",
            "results": [{"id": "1", "properties": {"email": "good@example.com"}}],
            "errors": [
                {
                    "status": "error",
                    "category": "VALIDATION_ERROR",
                    "message": "Invalid phone",
                    "context": {"objectWriteTraceId": ["delivery-2"]},
                }
            ],
        },
    )
    people = [
        (make_person(email="good@example.com"), "delivery-1"),
        (make_person(email="bad@example.com"), "delivery-2"),
        (make_person(email="nope"), "delivery-3"),  # never sent
    ]
    with client_for(hubspot) as client:
        errors = client.push_many(people)
    assert set(errors) == {"delivery-2", "delivery-3"}
    assert all(error.permanent for error in errors.values())
    assert "Invalid phone" in str(errors["delivery-2"])
    (request,) = hubspot.requests
    assert len(request.body["inputs"]) == 2
