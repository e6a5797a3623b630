"""HubSpot CRM stand-in: contacts batch upsert keyed by email."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from .base import RecordedRequest, Response, StubServer, bearer_ok, json_error

UPSERT_PATH = "/crm/v3/objects/contacts/batch/upsert"


class HubSpotStub(StubServer):
    """Implements ``POST /crm/v3/objects/contacts/batch/upsert`` (``idProperty=email``).

    State: ``contacts`` keyed by lower-cased email, so HubSpot's "never two contacts
    with one email" holds by construction; ``created_count`` counts creations so a test
    can still see whether a push created or updated.
    """

    stub_name = "hubspot"

    def __init__(self, access_token: str = "hubspot-test-token") -> None:
        self.access_token = access_token
        super().__init__()

    @property
    def credentials(self) -> dict[str, Any]:
        return {"access_token": self.access_token}

    def reset_state(self) -> None:
        self._contacts: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1001)
        self.created_count = 0

    # -- assertions ----------------------------------------------------------------------

    @property
    def contacts(self) -> dict[str, dict[str, Any]]:
        with self.lock:
            return {
                email: dict(c, properties=dict(c["properties"]))
                for email, c in self._contacts.items()
            }

    def contact(self, email: str) -> dict[str, Any] | None:
        """The stored contact's properties, or None."""
        with self.lock:
            found = self._contacts.get(email.casefold())
            return dict(found["properties"]) if found else None

    # -- HTTP ----------------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> Response:
        if not bearer_ok(request, self.access_token):
            return json_error(
                401, "Authentication credentials not found.", category="INVALID_AUTHENTICATION"
            )
        if request.method == "POST" and request.path == UPSERT_PATH:
            return self._upsert(request.body)
        return json_error(404, f"no route {request.method} {request.path}")

    def _upsert(self, body: Any) -> Response:
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not inputs:
            return json_error(400, "inputs must be a non-empty list", category="VALIDATION_ERROR")
        for item in inputs:
            if item.get("idProperty") != "email" or not item.get("id"):
                return json_error(
                    400, "idProperty must be email and id is required", category="VALIDATION_ERROR"
                )
        now = datetime.now(UTC).isoformat()
        results = []
        for item in inputs:
            key = str(item["id"]).casefold()
            properties = {
                k: "" if v is None else str(v) for k, v in item.get("properties", {}).items()
            }
            contact = self._contacts.get(key)
            is_new = contact is None
            if contact is None:
                contact = {"id": str(next(self._ids)), "properties": {}, "createdAt": now}
                self._contacts[key] = contact
                self.created_count += 1
            contact["properties"].update(properties)
            contact["properties"]["email"] = str(item["id"])
            contact["updatedAt"] = now
            results.append(
                {
                    "id": contact["id"],
                    "properties": dict(contact["properties"]),
                    "createdAt": contact["createdAt"],
                    "updatedAt": now,
                    "new": is_new,
                }
            )
        return Response(200, {"status": "COMPLETE", "results": results})
