"""HubSpot CRM: keep one contact per member email current.

Uses the batch *upsert* endpoint with ``idProperty=email`` rather than search + create:
HubSpot resolves the match server-side in one call, so a retried or concurrent push can
never create a second contact (which search-then-create can, between the two calls).

``member_status`` and ``location`` are custom contact properties; they must exist in the
HubSpot portal (Settings → Properties) or HubSpot rejects the upsert with a permanent
validation error that names them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .base import (
    BaseClient,
    DeliveryError,
    Person,
    json_body,
    require_credential,
    require_email,
    unexpected_shape_is_transient,
)

UPSERT_PATH = "/crm/v3/objects/contacts/batch/upsert"


class HubSpotClient(BaseClient):
    kind: ClassVar[str] = "hubspot"
    credential_keys: ClassVar[tuple[str, ...]] = ("access_token",)

    def __init__(self, base_url: str, access_token: str, *, timeout: float = 10.0) -> None:
        token = require_credential(self.kind, "access_token", access_token)
        super().__init__(base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout)

    @unexpected_shape_is_transient
    def push(self, person: Person, *, idempotency_key: str) -> None:
        """Upsert the contact. A "removed" member is kept, marked ``member_status=removed``:
        the CRM is the sales team's history, and deleting would lose it."""
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


def contact_payload(person: Person) -> dict[str, Any]:
    email = require_email(person)
    return {
        "inputs": [
            {
                "idProperty": "email",
                "id": email,
                "properties": {
                    "email": email,
                    "firstname": person.first_name,
                    "lastname": person.last_name,
                    "phone": person.phone,
                    "company": person.company,
                    "member_status": person.status,
                    "location": person.location,
                },
            }
        ]
    }
