"""Capsule: search, then update the one matching person or create it — never duplicate."""

from __future__ import annotations

import pytest

from integrations.vendors import CapsuleClient, DeliveryError
from tests.stubs import CapsuleStub

from .helpers import FAST_TIMEOUT, LATE, make_person


def client_for(stub: CapsuleStub) -> CapsuleClient:
    return CapsuleClient(stub.url, api_token=stub.api_token, timeout=2.0, allow_private_hosts=True)


def test_push_twice_creates_then_updates_one_party(capsule_stub: CapsuleStub) -> None:
    with client_for(capsule_stub) as client:
        client.push(make_person(), idempotency_key="evt-1")
        client.push(make_person(last_name="King", status="former"), idempotency_key="evt-2")
        client.push(make_person(last_name="King", status="former"), idempotency_key="evt-2")

    methods = [(r.method, r.path.rsplit("/", 1)[-1]) for r in capsule_stub.requests]
    assert methods == [
        ("GET", "search"), ("POST", "parties"),
        ("GET", "search"), ("PUT", "1"),
        ("GET", "search"), ("PUT", "1"),
    ]  # fmt: skip
    party = capsule_stub.person("ada@example.com")
    assert party is not None
    assert (party["type"], party["firstName"], party["lastName"]) == ("person", "Ada", "King")
    assert [e["address"] for e in party["emailAddresses"]] == ["ada@example.com"]
    assert [p["number"] for p in party["phoneNumbers"]] == ["+44 20 7946 0000"]
    assert party["organisation"] == {"name": "Analytical Engines Ltd"}
    assert capsule_stub.tags_of("ada@example.com") == ["Member: Former"]


def test_status_tag_is_swapped_not_accumulated(capsule_stub: CapsuleStub) -> None:
    with client_for(capsule_stub) as client:
        for status in ["active", "contact", "former", "active", "removed"]:
            client.push(make_person(status=status), idempotency_key=f"evt-{status}")
            assert capsule_stub.tags_of("ada@example.com") == [f"Member: {status.capitalize()}"]


def test_other_tags_are_left_alone(capsule_stub: CapsuleStub) -> None:
    capsule_stub.add_party(
        {"type": "person", "firstName": "Ada", "emailAddresses": [{"address": "ada@example.com"}],
         "tags": [{"name": "VIP"}, {"name": "Member: Active"}]}
    )  # fmt: skip
    with client_for(capsule_stub) as client:
        client.push(make_person(status="former"), idempotency_key="evt-1")
    assert capsule_stub.tags_of("ada@example.com") == ["Member: Former", "VIP"]


def test_new_phone_is_added_once(capsule_stub: CapsuleStub) -> None:
    with client_for(capsule_stub) as client:
        client.push(make_person(), idempotency_key="evt-1")
        client.push(make_person(phone="+49 30 1"), idempotency_key="evt-2")
        client.push(make_person(phone="+49 30 1"), idempotency_key="evt-3")
    party = capsule_stub.person("ada@example.com")
    assert sorted(p["number"] for p in party["phoneNumbers"]) == ["+44 20 7946 0000", "+49 30 1"]  # type: ignore[index]


def test_existing_party_is_matched_case_insensitively(capsule_stub: CapsuleStub) -> None:
    capsule_stub.add_party(
        {"type": "person", "firstName": "A", "emailAddresses": [{"address": "ADA@Example.com"}]}
    )
    with client_for(capsule_stub) as client:
        client.push(make_person(), idempotency_key="evt-1")
    assert len(capsule_stub.parties) == 1
    assert capsule_stub.parties[0]["firstName"] == "Ada"


def test_organisation_and_lookalike_people_are_not_matched(capsule_stub: CapsuleStub) -> None:
    # An organisation with the same email, and a person whose email merely contains it.
    capsule_stub.add_party(
        {
            "type": "organisation",
            "name": "Ada Corp",
            "emailAddresses": [{"address": "ada@example.com"}],
        }
    )
    capsule_stub.add_party(
        {"type": "person", "firstName": "Z", "emailAddresses": [{"address": "xada@example.com"}]}
    )
    with client_for(capsule_stub) as client:
        client.push(make_person(), idempotency_key="evt-1")
    people = [p for p in capsule_stub.parties if p["type"] == "person"]
    assert sorted(p["emailAddresses"][0]["address"] for p in people) == [
        "ada@example.com",
        "xada@example.com",
    ]
    assert capsule_stub.requests_to("POST") != []


def test_nameless_member_gets_their_email_as_name(capsule_stub: CapsuleStub) -> None:
    with client_for(capsule_stub) as client:
        client.push(make_person(first_name="", last_name=""), idempotency_key="evt-1")
        client.push(make_person(first_name="", last_name=""), idempotency_key="evt-2")
    assert capsule_stub.person("ada@example.com")["lastName"] == "ada@example.com"  # type: ignore[index]


def test_timeout_on_create_then_retry_does_not_duplicate(capsule_stub: CapsuleStub) -> None:
    capsule_stub.fail_next(hang=LATE, method="POST")  # created, but the answer comes too late
    with CapsuleClient(
        capsule_stub.url, capsule_stub.api_token, timeout=FAST_TIMEOUT, allow_private_hosts=True
    ) as client:
        with pytest.raises(DeliveryError) as info:
            client.push(make_person(), idempotency_key="evt-1")
        assert not info.value.permanent
        capsule_stub.wait_idle()
        client.push(make_person(), idempotency_key="evt-1")
    assert len(capsule_stub.parties_with_email("ada@example.com")) == 1


def test_writes_carry_bearer_token_and_idempotency_key(capsule_stub: CapsuleStub) -> None:
    with client_for(capsule_stub) as client:
        client.push(make_person(), idempotency_key="evt-1")
    search, create = capsule_stub.requests
    assert search.query["q"] == "ada@example.com"
    assert create.header("authorization") == f"Bearer {capsule_stub.api_token}"
    assert create.header("idempotency-key") == "evt-1"
