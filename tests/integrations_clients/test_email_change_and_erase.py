"""CRM clients when a member's email changes, and when their account is erased.

Real HTTP to the stubs, which implement the lookups the clients use as the
vendors document them (HubSpot ``PATCH``/``GET`` by ``idProperty=email`` and
archive by id; Capsule search, party update and delete).
"""

from __future__ import annotations

from integrations.vendors import CapsuleClient, HubSpotClient

from .helpers import make_person

OLD, MID, NEW = "ada@old.example", "ada@mid.example", "ada@new.example"


def hubspot(stub):
    return HubSpotClient(stub.url, stub.access_token, timeout=2.0, allow_private_hosts=True)


def capsule(stub):
    return CapsuleClient(stub.url, stub.api_token, timeout=2.0, allow_private_hosts=True)


def test_hubspot_moves_the_contact_to_the_new_email(hubspot_stub):
    with hubspot(hubspot_stub) as client:
        client.push(make_person(email=OLD), idempotency_key="k1")
        client.push(
            make_person(email=NEW, status="former"), idempotency_key="k2", previous_emails=[OLD]
        )
        # A retry after the move (the PATCH now misses) must not create a second one.
        client.push(
            make_person(email=NEW, status="former"), idempotency_key="k2", previous_emails=[OLD]
        )
    assert list(hubspot_stub.contacts) == [NEW]
    assert hubspot_stub.contact(NEW)["member_status"] == "former"
    assert hubspot_stub.created_count == 1


def test_hubspot_without_a_contact_under_the_old_email_creates_one(hubspot_stub):
    with hubspot(hubspot_stub) as client:
        client.push(make_person(email=NEW), idempotency_key="k", previous_emails=[OLD])
    assert list(hubspot_stub.contacts) == [NEW] and hubspot_stub.created_count == 1


def test_hubspot_new_email_taken_by_another_contact_updates_that_one(hubspot_stub):
    with hubspot(hubspot_stub) as client:
        client.push(make_person(email=OLD, first_name="Old"), idempotency_key="k1")
        client.push(make_person(email=NEW, first_name="Other"), idempotency_key="k2")
        left = client.push(
            make_person(email=NEW, first_name="Ada"), idempotency_key="k3", previous_emails=[OLD]
        )
    assert hubspot_stub.contact(NEW)["firstname"] == "Ada"
    assert hubspot_stub.created_count == 2  # no third contact
    assert left == [OLD]  # still holds a contact: the pipeline keeps the address


def test_hubspot_moves_the_contact_from_whichever_earlier_address_holds_it(hubspot_stub):
    with hubspot(hubspot_stub) as client:
        client.push(make_person(email=MID), idempotency_key="k1")
        left = client.push(make_person(email=NEW), idempotency_key="k2", previous_emails=[OLD, MID])
    assert left == []
    assert list(hubspot_stub.contacts) == [NEW] and hubspot_stub.created_count == 1


def test_hubspot_erase_archives_the_contact_and_is_idempotent(hubspot_stub):
    with hubspot(hubspot_stub) as client:
        client.push(make_person(email=OLD), idempotency_key="k1")
        client.erase(OLD, idempotency_key="k2")
        client.erase(OLD, idempotency_key="k2")  # a retry: nothing left, done
    assert hubspot_stub.contacts == {}
    assert [c["properties"]["email"] for c in hubspot_stub.archived] == [OLD]


def test_capsule_updates_the_party_under_the_old_email(capsule_stub):
    with capsule(capsule_stub) as client:
        client.push(make_person(email=OLD), idempotency_key="k1")
        client.push(
            make_person(email=NEW, status="former"), idempotency_key="k2", previous_emails=[OLD]
        )
        client.push(
            make_person(email=NEW, status="former"), idempotency_key="k2", previous_emails=[OLD]
        )
    [party] = capsule_stub.parties
    assert [e["address"] for e in party["emailAddresses"]] == [NEW]
    assert capsule_stub.tags_of(NEW) == ["Member: Former"]


def test_capsule_moves_the_party_from_whichever_earlier_address_holds_it(capsule_stub):
    with capsule(capsule_stub) as client:
        client.push(make_person(email=MID), idempotency_key="k1")
        left = client.push(make_person(email=NEW), idempotency_key="k2", previous_emails=[OLD, MID])
    [party] = capsule_stub.parties
    assert [e["address"] for e in party["emailAddresses"]] == [NEW] and left == []


def test_capsule_reports_a_second_party_it_cannot_merge(capsule_stub):
    with capsule(capsule_stub) as client:
        client.push(make_person(email=OLD), idempotency_key="k1")
        client.push(make_person(email=NEW), idempotency_key="k2")
        left = client.push(make_person(email=NEW), idempotency_key="k3", previous_emails=[OLD])
    assert left == [OLD] and len(capsule_stub.parties) == 2


def test_capsule_erase_deletes_every_party_with_the_email(capsule_stub):
    capsule_stub.add_party(
        {"type": "person", "firstName": "Ada", "emailAddresses": [{"address": OLD}]}
    )
    capsule_stub.add_party({"type": "person", "firstName": "Bob", "emailAddresses": []})
    with capsule(capsule_stub) as client:
        client.push(make_person(email=OLD), idempotency_key="k1")
        client.erase(OLD, idempotency_key="k2")
        client.erase(OLD, idempotency_key="k2")
    assert capsule_stub.parties_with_email(OLD) == []
    assert [p["firstName"] for p in capsule_stub.parties] == ["Bob"]
