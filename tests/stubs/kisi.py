"""Kisi-style door-access stand-in: users and role assignments in groups."""

from __future__ import annotations

import itertools
import re
from typing import Any

from .base import RecordedRequest, Response, StubServer, json_error

_ASSIGNMENT_PATH = re.compile(r"^/role_assignments/(\d+)$")


class KisiStub(StubServer):
    """Implements ``GET/POST /users``, ``GET/POST /role_assignments`` and
    ``DELETE /role_assignments/{id}`` with ``Authorization: KISI-LOGIN <api_key>``.

    Like Kisi, it rejects a second user with the same email (422) but does *not* stop a
    client from creating two identical role assignments — that is the client's job, and
    :meth:`assignments_for` lets tests check it.
    """

    stub_name = "kisi"

    def __init__(self, api_key: str = "kisi-test-key", group_id: int = 42) -> None:
        self.api_key = api_key
        self.group_id = group_id
        super().__init__()

    @property
    def credentials(self) -> dict[str, Any]:
        return {"api_key": self.api_key, "group_id": self.group_id}

    def reset_state(self) -> None:
        # Indexed as a real remote's store is: a benchmark's thousands of
        # users must not make each request slower than the last (the stub
        # runs in the benchmark's own process).
        self._users: list[dict[str, Any]] = []
        self._user_by_key: dict[str, dict[str, Any]] = {}  # casefolded email
        self._user_by_id: dict[str, dict[str, Any]] = {}
        self._search: list[tuple[str, dict[str, Any]]] = []  # (email and name, user)
        self._assignments: list[dict[str, Any]] = []
        self._assignments_of: dict[str, list[dict[str, Any]]] = {}  # by user id
        self._user_ids = itertools.count(1)
        self._assignment_ids = itertools.count(9001)

    # -- assertions ----------------------------------------------------------------------

    @property
    def users(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(u) for u in self._users]

    def user(self, email: str) -> dict[str, Any] | None:
        with self.lock:
            found = self._user_by_email(email)
            return dict(found) if found else None

    def assignments_for(self, email: str, group_id: int | None = None) -> list[dict[str, Any]]:
        """Role assignments of the user with this email in ``group_id`` (default: the
        stub's group)."""
        group = self.group_id if group_id is None else group_id
        with self.lock:
            user = self._user_by_email(email)
            if user is None:
                return []
            return [
                dict(a)
                for a in self._assignments_of.get(str(user["id"]), [])
                if str(a["group_id"]) == str(group)
            ]

    def has_access(self, email: str, group_id: int | None = None) -> bool:
        return bool(self.assignments_for(email, group_id))

    def add_assignment(self, email: str, group_id: int, role_id: str = "group_basic") -> None:
        """Seed an assignment directly (e.g. access to another group we must not touch)."""
        with self.lock:
            user = self._user_by_email(email) or self._create_user({"email": email, "name": email})
            self._create_assignment(user["id"], group_id, role_id)

    # -- HTTP ----------------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> Response:
        if request.header("authorization") != f"KISI-LOGIN {self.api_key}":
            return json_error(401, "Unauthorized", code="unauthorized")
        method, path, query = request.method, request.path, request.query
        if path == "/users" and method == "GET":
            needle = query.get("query", "").casefold()
            hits = [dict(u) for text, u in self._search if needle in text]
            return Response(200, hits)
        if path == "/users" and method == "POST":
            return self._post_user(request.body)
        if path == "/role_assignments" and method == "GET":
            of_user = (
                self._assignments_of.get(query["user_id"], [])
                if "user_id" in query
                else self._assignments
            )
            hits = [
                dict(a)
                for a in of_user
                if "group_id" not in query or str(a["group_id"]) == query["group_id"]
            ]
            return Response(200, hits)
        if path == "/role_assignments" and method == "POST":
            return self._post_assignment(request.body)
        match = _ASSIGNMENT_PATH.match(path)
        if match and method == "DELETE":
            assignment_id = int(match.group(1))
            found = next((a for a in self._assignments if a["id"] == assignment_id), None)
            if found is None:
                return json_error(404, "Not found")
            self._assignments.remove(found)
            self._assignments_of[str(found["user_id"])].remove(found)
            return Response(204)
        return json_error(404, f"no route {method} {path}")

    def _post_user(self, body: Any) -> Response:
        data = body.get("user") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not data.get("email"):
            return json_error(422, "email can't be blank", errors={"email": ["can't be blank"]})
        if self._user_by_email(data["email"]):
            return json_error(
                422, "email has already been taken", errors={"email": ["has already been taken"]}
            )
        return Response(201, dict(self._create_user(data)))

    def _post_assignment(self, body: Any) -> Response:
        data = body.get("role_assignment") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not all(
            data.get(k) not in (None, "") for k in ("user_id", "group_id", "role_id")
        ):
            return json_error(422, "user_id, group_id and role_id are required")
        if str(data["user_id"]) not in self._user_by_id:
            return json_error(422, "user does not exist")
        created = self._create_assignment(int(data["user_id"]), data["group_id"], data["role_id"])
        return Response(201, dict(created))

    # -- model ---------------------------------------------------------------------------

    def _user_by_email(self, email: str) -> dict[str, Any] | None:
        return self._user_by_key.get(email.casefold())

    def _create_user(self, data: dict[str, Any]) -> dict[str, Any]:
        user = {
            "id": next(self._user_ids),
            "name": data.get("name") or data["email"],
            "email": data["email"],
            "send_emails": bool(data.get("send_emails", True)),
        }
        self._users.append(user)
        self._user_by_key.setdefault(user["email"].casefold(), user)
        self._user_by_id[str(user["id"])] = user
        self._search.append((f"{user['email'].casefold()}\n{user['name'].casefold()}", user))
        return user

    def _create_assignment(self, user_id: int, group_id: Any, role_id: str) -> dict[str, Any]:
        assignment = {
            "id": next(self._assignment_ids),
            "user_id": user_id,
            "group_id": group_id,
            "role_id": role_id,
        }
        self._assignments.append(assignment)
        self._assignments_of.setdefault(str(user_id), []).append(assignment)
        return assignment
