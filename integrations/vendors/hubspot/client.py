"""HubSpot CRM: keep one contact per member email current.

Uses the batch *upsert* endpoint with ``idProperty=email`` rather than search + create:
HubSpot resolves the match server-side in one call, so a retried or concurrent push can
never create a second contact (which search-then-create can, between the two calls).

``member_status`` and ``location`` are custom contact properties; they must exist in the
HubSpot portal (Settings → Properties) or HubSpot rejects the upsert with a permanent
validation error that names them.

A changed email would make the upsert create a second contact, so when the pipeline
says which emails it pushed before, the contact under each is updated first
(``PATCH /crm/v3/objects/contacts/{email}?idProperty=email``, the new email included).
If none is found there (deleted in HubSpot, or moved already), the upsert creates one;
if the new email already belongs to another contact (409), that one is upserted and the
old one left for a person to merge, since merging contacts is a sales decision (the push
says which were left, so the pipeline keeps those addresses for an erase).

:meth:`HubSpotClient.erase` archives the contact (the person deleted their account):
HubSpot keeps archived contacts in its recycling bin for 90 days, then deletes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Unpack
from urllib.parse import quote

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

UPSERT_PATH = "/crm/v3/objects/contacts/batch/upsert"
CONTACTS_PATH = "/crm/v3/objects/contacts"


class HubSpotClient(BaseClient):
    kind: ClassVar[str] = "hubspot"
    #: Inputs HubSpot takes per batch call.
    batch_size: ClassVar[int] = 100

    def __init__(
        self,
        base_url: str,
        access_token: str,
        **options: Unpack[ClientOptions],
    ) -> None:
        token = require_credential(self.kind, "access_token", access_token)
        super().__init__(
            base_url,
            headers={"Authorization": f"Bearer {token}"},
            **options,
        )

    @unexpected_shape_is_transient
    def push(
        self, person: Person, *, idempotency_key: str, previous_emails: Sequence[str] = ()
    ) -> list[str]:
        """Upsert the contact. A "removed" member is kept, marked ``member_status=removed``:
        the CRM is the sales team's history, and deleting would lose it.

        ``previous_emails``: addresses this member was pushed under before, most recent
        first. The contact found under one of them takes the new address instead of a new
        contact being made. Returns those under which a contact is still left (the new
        address belonged to another contact already: left for a person to merge).
        """
        email = require_email(person)
        moved = False
        left = []
        previous = [e for e in previous_emails if e.casefold() != email.casefold()]
        for index, old in enumerate(previous):
            suffix = f"-email-{index}" if index else "-email"
            response = self._send(
                "PATCH",
                f"{CONTACTS_PATH}/{quote(old, safe='@')}",
                params={"idProperty": "email"},
                json={"properties": contact_properties(person)},
                headers={"Idempotency-Key": idempotency_key + suffix},
                ok_statuses=frozenset({404, 409}),
            )
            if response.is_success:
                moved = True
            elif response.status_code == 409:
                left.append(old)
        if moved:
            return left
        response = self._send(
            "POST",
            UPSERT_PATH,
            json=contact_payload(person),
            headers={"Idempotency-Key": idempotency_key},
        )
        # HubSpot answers 207 Multi-Status when some inputs failed; with one input that
        # means ours did, and the per-input errors are validation errors.
        body = json_body(response)
        errors = body.get("errors") if isinstance(body, dict) else None
        if response.status_code == 207 or errors:
            raise DeliveryError(
                f"HubSpot rejected contact for member {person.member_id}: {errors}",
                permanent=True,
                status_code=response.status_code,
            )
        return left

    def push_many(self, people: Sequence[tuple[Person, str]]) -> dict[str, DeliveryError]:
        """Upsert up to :attr:`batch_size` contacts in one call, for members whose
        address has not changed (no contact to move). Each input carries its
        delivery's key as ``objectWriteTraceId``, which HubSpot quotes in the
        error of an input it rejects (207 Multi-Status); returns those errors
        by key. A failure of the whole call raises, as :meth:`push` does."""
        if len(people) > self.batch_size:
            raise ValueError(f"at most {self.batch_size} contacts per call")
        return self._upsert_many(people)

    @unexpected_shape_is_transient
    def _upsert_many(self, people: Sequence[tuple[Person, str]]) -> dict[str, DeliveryError]:
        inputs, sent, failed = [], [], {}
        for person, key in people:
            try:  # one unusable address must not fail the others
                inputs.append({**contact_input(person), "objectWriteTraceId": key})
            except DeliveryError as error:
                failed[key] = error
            else:
                sent.append((person, key))
        if not inputs:
            return failed
        response = self._send("POST", UPSERT_PATH, json={"inputs": inputs})
        body = json_body(response)
        errors = (body.get("errors") if isinstance(body, dict) else None) or []
        if response.status_code != 207 and not errors:
            return failed
        done = {
            str(result.get("properties", {}).get("email", "")).casefold()
            for result in (body.get("results") or [])
        }
        for person, key in sent:
            mine = [e for e in errors if _trace_id(e) == key]
            if mine or person.email.casefold() not in done:
                failed[key] = DeliveryError(
                    f"HubSpot rejected contact for member {person.member_id}: {mine or errors}",
                    permanent=True,
                    status_code=response.status_code,
                )
        return failed

    @unexpected_shape_is_transient
    def erase(self, email: str, *, idempotency_key: str) -> None:
        """Archive the contact under ``email``; nothing there is done already."""
        response = self._send(
            "GET",
            f"{CONTACTS_PATH}/{quote(email, safe='@')}",
            params={"idProperty": "email", "properties": "email"},
            ok_statuses=frozenset({404}),
        )
        if response.status_code == 404:
            return
        contact_id = json_body(response)["id"]
        self._send(
            "DELETE",
            f"{CONTACTS_PATH}/{contact_id}",
            headers={"Idempotency-Key": idempotency_key},
            ok_statuses=frozenset({404}),
        )


def contact_properties(person: Person) -> dict[str, str]:
    return {
        "email": require_email(person),
        "firstname": person.first_name,
        "lastname": person.last_name,
        "phone": person.phone,
        "company": person.company,
        "member_status": person.status,
        "location": person.location,
    }


def contact_input(person: Person) -> dict[str, Any]:
    email = require_email(person)
    return {"idProperty": "email", "id": email, "properties": contact_properties(person)}


def contact_payload(person: Person) -> dict[str, Any]:
    return {"inputs": [contact_input(person)]}


def _trace_id(error: Any) -> str | None:
    """The ``objectWriteTraceId`` a batch error names (top level or in its context)."""
    if not isinstance(error, dict):
        return None
    found = error.get("objectWriteTraceId")
    context = error.get("context")
    if found is None and isinstance(context, dict):
        found = context.get("objectWriteTraceId")
        if isinstance(found, list):
            found = found[0] if found else None
    return found
