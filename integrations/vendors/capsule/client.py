"""Capsule CRM (API v2): keep one person party per member email current.

Capsule has no upsert, so a push is search-then-write: ``GET /api/v2/parties/search``
for the email, then ``PUT /api/v2/parties/{id}`` on the matching *person* party or
``POST /api/v2/parties`` when there is none. A retried push finds the party the previous
attempt created, so it updates instead of duplicating. (Two pushes for the *same* member
running at the same moment could both miss and both create; the delivery pipeline must
deliver one member's events to one connection in order, one at a time.)

Capsule's nested collections (emails, phones, tags) *append* entries sent without an
``id``; removing one takes ``{"id": ..., "_delete": true}``. So an update only sends the
email/phone when the party lacks it, and never re-sends what is already there.

Member status is kept as a tag named ``Member: Active`` / ``Member: Contact`` /
``Member: Former`` / ``Member: Removed``: tags need no custom-field setup in the Capsule
account, show up in lists and can be filtered on. On a status change the previous
``Member: …`` tag is deleted and the new one added, so a party carries exactly one.
A "removed" member keeps their party (a CRM is history) with the ``Member: Removed`` tag.

When the pipeline passes the emails it pushed before and no party has the new one, the
party under the most recent of them is updated: the new address is added and the
previous ones deleted, so a changed email never leaves a second party behind.
:meth:`CapsuleClient.erase` deletes the person's parties (they deleted their account).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Unpack

from integrations.http.base import (
    BaseClient,
    ClientOptions,
    DeliveryError,
    Person,
    json_body,
    require_credential,
    require_email,
    unexpected_shape_is_transient,
)

SEARCH_PATH = "/api/v2/parties/search"
PARTIES_PATH = "/api/v2/parties"
STATUS_TAG_PREFIX = "Member: "


def status_tag(status: str) -> str:
    # "awaiting_approval" reads "Member: Awaiting approval".
    return STATUS_TAG_PREFIX + status.replace("_", " ").capitalize()


class CapsuleClient(BaseClient):
    kind: ClassVar[str] = "capsule"

    def __init__(
        self,
        base_url: str,
        api_token: str,
        **options: Unpack[ClientOptions],
    ) -> None:
        token = require_credential(self.kind, "api_token", api_token)
        super().__init__(
            base_url,
            headers={"Authorization": f"Bearer {token}"},
            **options,
        )

    @unexpected_shape_is_transient
    def push(
        self, person: Person, *, idempotency_key: str, previous_emails: Sequence[str] = ()
    ) -> list[str]:
        """Create or update the member's party. ``previous_emails``: addresses this
        member was pushed under before, most recent first; the party under one of them
        takes the new address (and loses those) when none has it yet. Returns the
        previous addresses another party still holds (left for a person to merge)."""
        email = require_email(person)
        # Capsule ignores Idempotency-Key; it is sent so the write can be correlated
        # with our delivery log in any proxy or request log in between.
        headers = {"Idempotency-Key": idempotency_key}
        previous = [e for e in previous_emails if e.casefold() != email.casefold()]
        holders = {old: self.find_people(old) for old in previous}
        existing = self.find_person(email)
        if existing is None:
            existing = next((min(h, key=_party_id) for h in holders.values() if h), None)
        if existing is None:
            self._send("POST", PARTIES_PATH, json={"party": new_party(person)}, headers=headers)
            return []
        self._send(
            "PUT",
            f"{PARTIES_PATH}/{existing['id']}",
            json={"party": party_update(person, existing, previous)},
            headers=headers,
        )
        return [
            old
            for old, parties in holders.items()
            if any(str(party["id"]) != str(existing["id"]) for party in parties)
        ]

    @unexpected_shape_is_transient
    def erase(self, email: str, *, idempotency_key: str) -> None:
        """Delete every person party with this email; none left is done already."""
        for party in self.find_people(email):
            self._send(
                "DELETE",
                f"{PARTIES_PATH}/{party['id']}",
                headers={"Idempotency-Key": idempotency_key},
                ok_statuses=frozenset({404}),
            )

    def find_person(self, email: str) -> dict[str, Any] | None:
        """The person party whose email addresses include ``email`` (case-insensitive).

        If several parties match (duplicates made by hand), the oldest (lowest id) is
        kept current.
        """
        matches = self.find_people(email)
        return min(matches, key=_party_id) if matches else None

    def find_people(self, email: str) -> list[dict[str, Any]]:
        """Every person party with ``email``: search is full-text, so results are
        filtered exactly."""
        response = self._send(
            "GET", SEARCH_PATH, params={"q": email, "embed": "tags", "perPage": 100}
        )
        body = json_body(response)
        if not isinstance(body, dict) or not isinstance(body.get("parties"), list):
            raise DeliveryError(
                f"Capsule search returned an unexpected body: {body!r:.200}", permanent=False
            )
        wanted = email.casefold()
        return [
            party
            for party in body["parties"]
            if party.get("type") == "person"
            and any(
                str(entry.get("address", "")).casefold() == wanted
                for entry in party.get("emailAddresses") or []
            )
        ]


def new_party(person: Person) -> dict[str, Any]:
    email = require_email(person)
    party: dict[str, Any] = {
        "type": "person",
        # Capsule refuses a person without any name; fall back to the email address.
        "firstName": person.first_name,
        "lastName": person.last_name if person.full_name else email,
        "emailAddresses": [{"address": email}],
        "tags": [{"name": status_tag(person.status)}],
    }
    if person.phone:
        party["phoneNumbers"] = [{"number": person.phone}]
    if person.company:
        party["organisation"] = {"name": person.company}
    return party


def party_update(
    person: Person, existing: dict[str, Any], previous_emails: Sequence[str] = ()
) -> dict[str, Any]:
    """A PUT body that changes only what differs and never duplicates nested entries.

    ``previous_emails``: addresses the member no longer has, removed from the party.
    """
    party: dict[str, Any] = {}
    if person.full_name:  # never blank both names (Capsule rejects a nameless person)
        party.update(firstName=person.first_name, lastName=person.last_name)
    email = require_email(person)
    gone = {_normalise(old) for old in previous_emails}
    addresses: list[dict[str, Any]] = [
        {"id": entry["id"], "_delete": True}
        for entry in existing.get("emailAddresses") or []
        if "id" in entry and _normalise(str(entry.get("address", ""))) in gone
    ]
    if not _has(existing.get("emailAddresses"), "address", email):
        addresses.append({"address": email})
    if addresses:
        party["emailAddresses"] = addresses
    if person.phone and not _has(existing.get("phoneNumbers"), "number", person.phone):
        party["phoneNumbers"] = [{"number": person.phone}]
    if person.company:
        party["organisation"] = {"name": person.company}

    wanted_tag = status_tag(person.status)
    tags: list[dict[str, Any]] = [
        {"id": tag["id"], "_delete": True}
        for tag in existing.get("tags") or []
        if str(tag.get("name", "")).startswith(STATUS_TAG_PREFIX)
        and tag.get("name") != wanted_tag
        and "id" in tag
    ]
    if not _has(existing.get("tags"), "name", wanted_tag):
        tags.append({"name": wanted_tag})
    if tags:
        party["tags"] = tags
    return party


def _party_id(party: dict[str, Any]) -> int:
    return int(party["id"])


def _has(entries: list[dict[str, Any]] | None, key: str, value: str) -> bool:
    wanted = _normalise(value)
    return any(_normalise(str(entry.get(key, ""))) == wanted for entry in entries or [])


def _normalise(value: str) -> str:
    return "".join(value.split()).casefold()
