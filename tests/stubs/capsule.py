"""Capsule CRM v2 stand-in: parties search / create / update.

Parties are a *list*, not keyed by email — Capsule itself happily stores two people with
the same email, and that is precisely the bug a client must not cause. Tests assert with
:meth:`CapsuleStub.parties_with_email` / :meth:`CapsuleStub.person`.

``DELETE /api/v2/parties/{id}`` deletes a party (kept in :attr:`CapsuleStub.deleted`).

Nested collections follow Capsule's write semantics: entries sent without ``id`` are
appended (tags are de-duplicated by name), ``{"id": .., "_delete": true}`` removes one.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from .base import RecordedRequest, Response, StubServer, bearer_ok, json_error

_PARTY_PATH = re.compile(r"^/api/v2/parties/(\d+)$")
_COLLECTIONS = ("emailAddresses", "phoneNumbers", "tags")


class CapsuleStub(StubServer):
    stub_name = "capsule"

    def __init__(self, api_token: str = "capsule-test-token") -> None:
        self.api_token = api_token
        super().__init__()

    @property
    def credentials(self) -> dict[str, Any]:
        return {"api_token": self.api_token}

    def reset_state(self) -> None:
        self._parties: list[dict[str, Any]] = []
        self.deleted: list[dict[str, Any]] = []
        self._ids = itertools.count(1)  # parties
        self._row_ids = itertools.count(500)  # nested rows (emails, phones, tags)

    # -- assertions ----------------------------------------------------------------------

    @property
    def parties(self) -> list[dict[str, Any]]:
        with self.lock:
            return [_copy(p) for p in self._parties]

    def parties_with_email(self, email: str) -> list[dict[str, Any]]:
        wanted = email.casefold()
        return [
            p
            for p in self.parties
            if any(e["address"].casefold() == wanted for e in p.get("emailAddresses", []))
        ]

    def person(self, email: str) -> dict[str, Any] | None:
        """The one party with this email; AssertionError if there are duplicates."""
        found = self.parties_with_email(email)
        assert len(found) <= 1, f"duplicate Capsule parties for {email}: {found}"
        return found[0] if found else None

    def tags_of(self, email: str) -> list[str]:
        party = self.person(email)
        return sorted(t["name"] for t in party.get("tags", [])) if party else []

    def add_party(self, party: dict[str, Any]) -> dict[str, Any]:
        """Seed a party directly (e.g. one an admin made by hand in Capsule)."""
        with self.lock:
            return _copy(self._create(party))

    # -- HTTP ----------------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> Response:
        if not bearer_ok(request, self.api_token):
            return json_error(401, "authentication failed")
        if request.method == "GET" and request.path == "/api/v2/parties/search":
            return self._search(request.query.get("q", ""), request.query.get("embed", ""))
        if request.method == "POST" and request.path == "/api/v2/parties":
            return self._post(request.body)
        match = _PARTY_PATH.match(request.path)
        if match and request.method == "PUT":
            return self._put(int(match.group(1)), request.body)
        if match and request.method == "DELETE":
            party = self._find(int(match.group(1)))
            if party is None:
                return json_error(404, "party not found")
            self._parties.remove(party)
            self.deleted.append(party)
            return Response(204)
        if match and request.method == "GET":
            party = self._find(int(match.group(1)))
            return Response(200, {"party": party}) if party else json_error(404, "not found")
        return json_error(404, f"no route {request.method} {request.path}")

    def _search(self, q: str, embed: str) -> Response:
        needle = q.casefold().strip()
        hits = []
        for party in self._parties:
            haystack = " ".join(
                [party.get("firstName") or "", party.get("lastName") or "", party.get("name") or ""]
                + [e["address"] for e in party.get("emailAddresses", [])]
            ).casefold()
            if needle and needle in haystack:
                hit = _copy(party)
                if "tags" not in embed.split(","):
                    hit.pop("tags", None)
                hits.append(hit)
        return Response(200, {"parties": hits})

    def _post(self, body: Any) -> Response:
        party = body.get("party") if isinstance(body, dict) else None
        if not isinstance(party, dict):
            return json_error(422, "party is required", errors=[{"message": "party missing"}])
        error = self._validate(party, creating=True)
        if error:
            return error
        return Response(201, {"party": _copy(self._create(party))})

    def _put(self, party_id: int, body: Any) -> Response:
        party = self._find(party_id)
        if party is None:
            return json_error(404, "party not found")
        changes = body.get("party") if isinstance(body, dict) else None
        if not isinstance(changes, dict):
            return json_error(422, "party is required")
        error = self._validate(changes, creating=False)
        if error:
            return error
        self._apply(party, changes)
        return Response(200, {"party": _copy(party)})

    # -- model ---------------------------------------------------------------------------

    def _validate(self, party: dict[str, Any], *, creating: bool) -> Response | None:
        if creating and party.get("type") not in ("person", "organisation"):
            return json_error(422, "type is invalid", errors=[{"message": "type is invalid"}])
        named = party.get("firstName") or party.get("lastName")
        if creating and party["type"] == "person" and not named:
            return json_error(
                422, "person needs a name", errors=[{"message": "firstName is required"}]
            )
        return None

    def _create(self, data: dict[str, Any]) -> dict[str, Any]:
        party: dict[str, Any] = {"id": next(self._ids), "type": data.get("type", "person")}
        for key in _COLLECTIONS:
            party[key] = []
        self._apply(party, data)
        self._parties.append(party)
        return party

    def _apply(self, party: dict[str, Any], changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            if key in ("id", "type"):
                continue
            if key in _COLLECTIONS:
                self._apply_collection(party, key, value or [])
            else:
                party[key] = value

    def _apply_collection(self, party: dict[str, Any], key: str, entries: list[Any]) -> None:
        rows: list[dict[str, Any]] = party.setdefault(key, [])
        for entry in entries:
            if "id" in entry:
                if entry.get("_delete"):
                    rows[:] = [row for row in rows if row["id"] != entry["id"]]
                else:
                    for row in rows:
                        if row["id"] == entry["id"]:
                            row.update(entry)
                continue
            if key == "tags" and any(r["name"] == entry.get("name") for r in rows):
                continue  # Capsule adds a tag to a party at most once
            rows.append({"id": next(self._row_ids), **entry})

    def _find(self, party_id: int) -> dict[str, Any] | None:
        return next((p for p in self._parties if p["id"] == party_id), None)


def _copy(party: dict[str, Any]) -> dict[str, Any]:
    copied = dict(party)
    for key in _COLLECTIONS:
        if key in copied:
            copied[key] = [dict(row) for row in copied[key]]
    if isinstance(copied.get("organisation"), dict):
        copied["organisation"] = dict(copied["organisation"])
    return copied
