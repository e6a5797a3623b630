"""Kisi-style door access: active members hold a role in the location's group, nobody else.

Each push *converges* the remote to the state the member's status demands instead of
replaying a change ("grant", "revoke"). That makes it idempotent by construction: a push
that is retried after a timeout first looks at what the previous attempt already did, so
it never creates a second role assignment, and a revoke that finds nothing is done.

- active (and their plans give door access): ensure the user exists (``GET /users?query=``
  → ``POST /users``) and holds exactly one role assignment in their location's group
  (``Person.door_group``; the connection's group when the location names none), with the
  connection's role (``GET /role_assignments`` → ``POST`` if none has it → ``DELETE`` the
  others), and none in the groups the organization's other locations name (a member who
  moved leaves their old location's doors). A user just created is assigned straight
  away: it holds nothing yet.
- otherwise: delete every role assignment the user has in any of those groups. The Kisi
  user itself is left alone (it may hold access to other groups we do not manage).

Users are matched by email, case-insensitively. If a member's email changes, the user
under the *old* email is not found any more: the pipeline must revoke for the old
address (push a non-active Person carrying it) before pushing the new one.
"""

from __future__ import annotations

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

#: The role active members get in the group unless the connection names another
#: (Kisi's ``group_basic`` opens the group's doors; managers and admins can do more).
DEFAULT_ROLE = "group_basic"


class KisiClient(BaseClient):
    kind: ClassVar[str] = "kisi"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        group_id: int | str,
        *,
        role_id: str = DEFAULT_ROLE,
        **options: Unpack[ClientOptions],
    ) -> None:
        key = require_credential(self.kind, "api_key", api_key)
        group = require_credential(self.kind, "group_id", group_id).strip()
        # The group of locations that name none of their own.
        self.group_id: int | str = self._group(group)
        self.role_id = (role_id or "").strip() or DEFAULT_ROLE
        super().__init__(
            base_url,
            headers={"Authorization": f"KISI-LOGIN {key}"},
            **options,
        )

    @unexpected_shape_is_transient
    def push(self, person: Person, *, idempotency_key: str) -> None:
        # idempotency_key is not needed: every step checks the remote state first.
        email = require_email(person)
        group = self._group(person.door_group) if person.door_group else self.group_id
        others = [self._group(g) for g in person.other_door_groups] + [self.group_id]
        others = list(dict.fromkeys(g for g in others if str(g) != str(group)))
        if person.may_open_doors:
            user = self.find_user(email)
            if user is None:
                # A user made just now holds no assignment: no need to list or revoke.
                self.assign(self.create_user(person, email)["id"], group)
                return
            self.ensure_assignment(user["id"], group)
            for other in others:
                self.revoke_all(user["id"], other)
        else:
            # Every user with this email, should the remote hold case-variant duplicates:
            # a revoke that misses one leaves a door open.
            for user in self.find_users(email):
                for each in (group, *others):
                    self.revoke_all(user["id"], each)

    @staticmethod
    def _group(value: int | str) -> int | str:
        # Kisi ids are integers in JSON; accept "42" from a form as well.
        text = str(value).strip()
        return int(text) if text.isascii() and text.isdigit() else text

    # -- users ---------------------------------------------------------------------------

    def find_users(self, email: str) -> list[dict[str, Any]]:
        """Users whose email equals ``email`` case-insensitively (the query is fuzzy)."""
        users = _items(json_body(self._send("GET", "/users", params={"query": email})))
        wanted = email.casefold()
        return [u for u in users if str(u.get("email", "")).casefold() == wanted]

    def find_user(self, email: str) -> dict[str, Any] | None:
        """The oldest matching user; the one an active member's access is attached to."""
        return min(self.find_users(email), key=lambda u: int(u["id"]), default=None)

    def create_user(self, person: Person, email: str) -> dict[str, Any]:
        body = {"user": {"name": person.full_name or email, "email": email, "send_emails": False}}
        user = json_body(self._send("POST", "/users", json=body))
        if isinstance(user, dict) and isinstance(user.get("user"), dict):
            user = user["user"]
        if not isinstance(user, dict) or "id" not in user:
            raise DeliveryError(
                f"Kisi POST /users returned no user id: {user!r:.200}", permanent=False
            )
        return user

    # -- role assignments ----------------------------------------------------------------

    def assignments(self, user_id: int | str, group_id: int | str) -> list[dict[str, Any]]:
        params = {"user_id": user_id, "group_id": group_id}
        items = _items(json_body(self._send("GET", "/role_assignments", params=params)))
        # Filter again locally: trusting a server-side filter would let a remote that
        # ignores it make us delete assignments in other groups.
        return [
            item
            for item in items
            if str(item.get("user_id")) == str(user_id)
            and str(item.get("group_id")) == str(group_id)
        ]

    def ensure_assignment(self, user_id: int | str, group_id: int | str) -> None:
        """Exactly one assignment in the group, with the connection's role.

        A role changed on the connection (or one an earlier version set) is
        replaced: the new assignment is made before the old one goes, so the
        member's doors never close in between; a retry after a failure halfway
        finds the new one and only deletes what is left over.
        """
        current = self.assignments(user_id, group_id)
        keep = next((a for a in current if str(a.get("role_id")) == self.role_id), None)
        if keep is None:
            self.assign(user_id, group_id)
        for assignment in current:
            if assignment is not keep:
                self._send(
                    "DELETE", f"/role_assignments/{assignment['id']}", ok_statuses=frozenset({404})
                )

    def assign(self, user_id: int | str, group_id: int | str) -> None:
        body = {
            "role_assignment": {
                "user_id": user_id,
                "group_id": group_id,
                "role_id": self.role_id,
            }
        }
        self._send("POST", "/role_assignments", json=body)

    def revoke_all(self, user_id: int | str, group_id: int | str) -> None:
        for assignment in self.assignments(user_id, group_id):
            # 404: already gone (a previous attempt, or an admin in Kisi) — that is done.
            self._send(
                "DELETE", f"/role_assignments/{assignment['id']}", ok_statuses=frozenset({404})
            )


def _items(body: Any) -> list[dict[str, Any]]:
    """Kisi lists are bare JSON arrays; tolerate a ``{"data": [...]}`` envelope too."""
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        body = body["data"]
    if not isinstance(body, list):
        raise DeliveryError(
            f"Kisi returned an unexpected list body: {body!r:.200}", permanent=False
        )
    return [item for item in body if isinstance(item, dict)]
