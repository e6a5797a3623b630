"""Capsule: search, then update the one matching person or create it — never duplicate."""

from __future__ import annotations

import pytest

from integrations.http import DeliveryError
from integrations.vendors.capsule.client import CapsuleClient
from tests.integrations.helpers import FAST_TIMEOUT, LATE, make_person
from tests.stubs import CapsuleStub


def client_for(stub: CapsuleStub) -> CapsuleClient:
    return CapsuleClient(stub.url, api_token=stub.api_token, timeout=2.0, allow_private_hosts=True)


def test_push_twice_creates_then_updates_one_party(capsule: CapsuleStub) -> None:
    with client_for(capsule) as client:
        client.push(make_person(), idempotency_key="evt-1")
        client.push(make_person(last_name="King", status="former"), idempotency_key="evt-2")
        client.push(make_person(last_name="King", status="former"), idempotency_key="evt-2")

    methods = [(r.method, r.path.rsplit("/", 1)[-1]) for r in capsule.requests]
    assert methods == [
        ("GET", "search"), ("POST", "parties"),
        ("GET", "search"), ("PUT", "1"),
        ("GET", "search"), ("PUT", "1"),
    ]  # fmt: skip
    party = capsule.person("ada@example.com")
    assert party is not None
    assert (party["type"], party["firstName"], party["lastName"]) == ("person", "Ada", "King")
    assert [e["address"] for e in party["emailAddresses"]] == ["ada@example.com"]
    assert [p["number"] for p in party["phoneNumbers"]] == ["+44 20 7946 0000"]
    assert party["organisation"] == {"name": "Analytical Engines Ltd"}
    assert capsule.tags_of("ada@example.com") == ["Member: Former"]


def test_status_tag_is_swapped_not_accumulated(capsule: CapsuleStub) -> None:
    with client_for(capsule) as client:
        for status in ["active", "contact", "former", "active", "removed"]:
            client.push(make_person(status=status), idempotency_key=f"evt-{status}")
            assert capsule.tags_of("ada@example.com") == [f"Member: {status.capitalize()}"]


def test_other_tags_are_left_alone(capsule: CapsuleStub) -> None:
    capsule.add_party(
        {"type": "person", "firstName": "Ada", "emailAddresses": [{"address": "ada@example.com"}],
         "tags": [{"name": "VIP"}, {"name": "Member: Active"}]}
    )  # fmt: skip
    with client_for(capsule) as client:
        client.push(make_person(status="former"), idempotency_key="evt-1")
    assert capsule.tags_of("ada@example.com") == ["Member: Former", "VIP"]


def test_new_phone_is_added_once(capsule: CapsuleStub) -> None:
    with client_for(capsule) as client:
        client.push(make_person(), idempotency_key="evt-1")
        client.push(make_person(phone="+49 30 1"), idempotency_key="evt-2")
        client.push(make_person(phone="+49 30 1"), idempotency_key="evt-3")
    party = capsule.person("ada@example.com")
    assert sorted(p["number"] for p in party["phoneNumbers"]) == ["+44 20 7946 0000", "+49 30 1"]  # type: ignore[index]


def test_existing_party_is_matched_case_insensitively(capsule: CapsuleStub) -> None:
    capsule.add_party(
        {"type": "person", "firstName": "A", "emailAddresses": [{"address": "ADA@Example.com"}]}
    )
    with client_for(capsule) as client:
        client.push(make_person(), idempotency_key="evt-1")
    assert len(capsule.parties) == 1
    assert capsule.parties[0]["firstName"] == "Ada"


def test_organisation_and_lookalike_people_are_not_matched(capsule: CapsuleStub) -> None:
    # An organisation with the same email, and a person whose email merely contains it.
    capsule.add_party(
        {
            "type": "organisation",
            "name": "Ada Corp",
            "emailAddresses": [{"address": "ada@example.com"}],
        }
    )
    capsule.add_party(
        {"type": "person", "firstName": "Z", "emailAddresses": [{"address": "xada@example.com"}]}
    )
    with client_for(capsule) as client:
        client.push(make_person(), idempotency_key="evt-1")
    people = [p for p in capsule.parties if p["type"] == "person"]
    assert sorted(p["emailAddresses"][0]["address"] for p in people) == [
        "ada@example.com",
        "xada@example.com",
    ]
    assert capsule.requests_to("POST") != []


def test_nameless_member_gets_their_email_as_name(capsule: CapsuleStub) -> None:
    with client_for(capsule) as client:
        client.push(make_person(first_name="", last_name=""), idempotency_key="evt-1")
        client.push(make_person(first_name="", last_name=""), idempotency_key="evt-2")
    assert capsule.person("ada@example.com")["lastName"] == "ada@example.com"  # type: ignore[index]


def test_timeout_on_create_then_retry_does_not_duplicate(capsule: CapsuleStub) -> None:
    capsule.fail_next(hang=LATE, method="POST")  # created, but the answer comes too late
    with CapsuleClient(
        capsule.url, capsule.api_token, timeout=FAST_TIMEOUT, allow_private_hosts=True
    ) as client:
        with pytest.raises(DeliveryError) as info:
            client.push(make_person(), idempotency_key="evt-1")
        assert not info.value.permanent
        capsule.wait_idle()
        client.push(make_person(), idempotency_key="evt-1")
    assert len(capsule.parties_with_email("ada@example.com")) == 1


def test_writes_carry_bearer_token_and_idempotency_key(capsule: CapsuleStub) -> None:
    with client_for(capsule) as client:
        client.push(make_person(), idempotency_key="evt-1")
    search, create = capsule.requests
    assert search.query["q"] == "ada@example.com"
    assert create.header("authorization") == f"Bearer {capsule.api_token}"
    assert create.header("idempotency-key") == "evt-1"


# -- a changed email, a deleted account ---------------------------------------------

OLD, MID, NEW = "ada@old.example", "ada@mid.example", "ada@new.example"


def test_updates_the_party_under_the_old_email(capsule):
    with client_for(capsule) as client:
        client.push(make_person(email=OLD), idempotency_key="k1")
        client.push(
            make_person(email=NEW, status="former"), idempotency_key="k2", previous_emails=[OLD]
        )
        client.push(
            make_person(email=NEW, status="former"), idempotency_key="k2", previous_emails=[OLD]
        )
    [party] = capsule.parties
    assert [e["address"] for e in party["emailAddresses"]] == [NEW]
    assert capsule.tags_of(NEW) == ["Member: Former"]


def test_moves_the_party_from_whichever_earlier_address_holds_it(capsule):
    with client_for(capsule) as client:
        client.push(make_person(email=MID), idempotency_key="k1")
        left = client.push(make_person(email=NEW), idempotency_key="k2", previous_emails=[OLD, MID])
    [party] = capsule.parties
    assert [e["address"] for e in party["emailAddresses"]] == [NEW] and left == []


def test_reports_a_second_party_it_cannot_merge(capsule):
    with client_for(capsule) as client:
        client.push(make_person(email=OLD), idempotency_key="k1")
        client.push(make_person(email=NEW), idempotency_key="k2")
        left = client.push(make_person(email=NEW), idempotency_key="k3", previous_emails=[OLD])
    assert left == [OLD] and len(capsule.parties) == 2


def test_erase_deletes_every_party_with_the_email(capsule):
    capsule.add_party({"type": "person", "firstName": "Ada", "emailAddresses": [{"address": OLD}]})
    capsule.add_party({"type": "person", "firstName": "Bob", "emailAddresses": []})
    with client_for(capsule) as client:
        client.push(make_person(email=OLD), idempotency_key="k1")
        client.erase(OLD, idempotency_key="k2")
        client.erase(OLD, idempotency_key="k2")
    assert capsule.parties_with_email(OLD) == []
    assert [p["firstName"] for p in capsule.parties] == ["Bob"]
