"""HubSpot CRM stand-in: contacts batch upsert keyed by email."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from typing import Any

from .base import RecordedRequest, Response, StubServer, bearer_ok, json_error

UPSERT_PATH = "/crm/v3/objects/contacts/batch/upsert"
_CONTACT_PATH = re.compile(r"^/crm/v3/objects/contacts/([^/]+)$")


class HubSpotStub(StubServer):
    """Implements ``POST /crm/v3/objects/contacts/batch/upsert`` (``idProperty=email``),
    and on ``/crm/v3/objects/contacts/{id}``: ``GET`` and ``PATCH`` (``{id}`` is the
    contact id, or the email with ``?idProperty=email``) and ``DELETE`` (archive, by id).

    State: ``contacts`` keyed by lower-cased email, so HubSpot's "never two contacts
    with one email" holds by construction (a PATCH to an email another contact has is a
    409, as in HubSpot); ``created_count`` counts creations so a test can still see
    whether a push created or updated; ``archived`` keeps archived contacts.
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
        self.archived: list[dict[str, Any]] = []

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
        match = _CONTACT_PATH.match(request.path)
        if match and request.method in ("GET", "PATCH", "DELETE"):
            by_email = request.query.get("idProperty") == "email"
            if request.method == "DELETE" and by_email:
                return json_error(400, "archive takes the contact id", category="VALIDATION_ERROR")
            key = self._key(match.group(1), by_email=by_email)
            if key is None:
                return json_error(404, "Object not found", category="OBJECT_NOT_FOUND")
            if request.method == "GET":
                return Response(200, self._public(self._contacts[key]))
            if request.method == "DELETE":
                self.archived.append(self._contacts.pop(key))
                return Response(204)
            return self._patch(key, request.body)
        return json_error(404, f"no route {request.method} {request.path}")

    def _key(self, identifier: str, *, by_email: bool) -> str | None:
        if by_email:
            key = identifier.casefold()
            return key if key in self._contacts else None
        return next((k for k, c in self._contacts.items() if c["id"] == identifier), None)

    def _patch(self, key: str, body: Any) -> Response:
        properties = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(properties, dict):
            return json_error(400, "properties is required", category="VALIDATION_ERROR")
        contact = self._contacts[key]
        new_key = str(properties.get("email") or key).casefold()
        if new_key != key and new_key in self._contacts:
            existing = self._contacts[new_key]["id"]
            return json_error(
                409, f"Contact already exists. Existing ID: {existing}", category="CONFLICT"
            )
        contact["properties"].update(
            {k: "" if v is None else str(v) for k, v in properties.items()}
        )
        contact["updatedAt"] = datetime.now(UTC).isoformat()
        self._contacts[new_key] = self._contacts.pop(key)
        return Response(200, self._public(contact))

    @staticmethod
    def _public(contact: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": contact["id"],
            "properties": dict(contact["properties"]),
            "createdAt": contact["createdAt"],
            "updatedAt": contact.get("updatedAt", contact["createdAt"]),
            "archived": False,
        }

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
