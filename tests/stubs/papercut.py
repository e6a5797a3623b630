"""PaperCut MF-style XML-RPC stand-in at ``POST /rpc/api/xmlrpc``.

Like PaperCut, errors inside a call (bad token, unknown user, unknown method) are
XML-RPC *faults* in a 200 response, not HTTP error codes.
"""

from __future__ import annotations

import xmlrpc.client
from typing import Any

from .base import RecordedRequest, Response, StubServer

RPC_PATH = "/rpc/api/xmlrpc"


class PaperCutStub(StubServer):
    stub_name = "papercut"

    def __init__(self, auth_token: str = "papercut-test-token") -> None:
        self.auth_token = auth_token
        super().__init__()

    @property
    def credentials(self) -> dict[str, Any]:
        return {"auth_token": self.auth_token}

    def reset_state(self) -> None:
        self._users: dict[str, dict[str, str]] = {}
        self._groups: dict[str, set[str]] = {}
        self._next_fault: xmlrpc.client.Fault | None = None

    # -- assertions / setup --------------------------------------------------------------

    @property
    def users(self) -> dict[str, dict[str, str]]:
        with self.lock:
            return {name: dict(props) for name, props in self._users.items()}

    def user(self, username: str) -> dict[str, str] | None:
        with self.lock:
            props = self._users.get(username.casefold())
            return dict(props) if props else None

    def can_print(self, username: str) -> bool:
        """True iff the user exists and ``disabled-print`` is FALSE."""
        props = self.user(username)
        return props is not None and props.get("disabled-print") == "FALSE"

    def groups_of(self, username: str) -> set[str]:
        with self.lock:
            return set(self._groups.get(username.casefold(), ()))

    def fault_next(self, code: int, message: str) -> None:
        """Answer the next XML-RPC call with this fault (HTTP 200, like PaperCut)."""
        with self.lock:
            self._next_fault = xmlrpc.client.Fault(code, message)

    def calls(self) -> list[str]:
        """Method names of every XML-RPC call received, in order."""
        return [r.body[0] for r in self.requests if r.body]

    # -- HTTP ----------------------------------------------------------------------------

    def parse_body(self, raw: bytes, headers: dict[str, str]) -> Any:
        """``(method_name, params)`` or None for a body that is not XML-RPC."""
        try:
            params, method = xmlrpc.client.loads(raw)
        except Exception:
            return None
        return (method, params)

    def handle(self, request: RecordedRequest) -> Response:
        if request.path != RPC_PATH:
            return Response(404, b"not found", content_type="text/plain")
        if request.method != "POST":
            return Response(405, b"method not allowed", content_type="text/plain")
        if request.body is None:
            return Response(400, b"body is not XML-RPC", content_type="text/plain")
        method, params = request.body
        try:
            result = self._call(method, params)
        except xmlrpc.client.Fault as fault:
            payload = xmlrpc.client.dumps(fault, methodresponse=True)
        else:
            payload = xmlrpc.client.dumps((result,), methodresponse=True)
        return Response(200, payload.encode("utf-8"), content_type="text/xml")

    def _call(self, method: str, params: tuple[Any, ...]) -> Any:
        if self._next_fault is not None:
            fault, self._next_fault = self._next_fault, None
            raise fault
        if not params or params[0] != self.auth_token:
            raise xmlrpc.client.Fault(1, "Invalid authentication token supplied.")
        args = params[1:]
        handler = {
            "api.isUserExists": self._is_user_exists,
            "api.addNewUser": self._add_new_user,
            "api.setUserProperty": self._set_user_property,
            "api.setUserProperties": self._set_user_properties,
            "api.getUserProperty": self._get_user_property,
            "api.getUserGroups": self._get_user_groups,
            "api.addUserToGroup": self._add_user_to_group,
            "api.removeUserFromGroup": self._remove_user_from_group,
        }.get(method)
        if handler is None:
            raise xmlrpc.client.Fault(2, f"No such handler: {method}")
        try:
            return handler(*args)
        except TypeError as exc:
            raise xmlrpc.client.Fault(3, f"Bad arguments for {method}: {exc}") from None

    def _is_user_exists(self, username: str) -> bool:
        return username.casefold() in self._users

    def _add_new_user(self, username: str) -> bool:
        key = username.casefold()
        if key in self._users:
            raise xmlrpc.client.Fault(4, f"User already exists: {username}")
        self._users[key] = {"username": key, "disabled-print": "FALSE"}
        return True

    def _existing(self, username: str) -> dict[str, str]:
        props = self._users.get(username.casefold())
        if props is None:
            raise xmlrpc.client.Fault(5, f"User does not exist: {username}")
        return props

    def _set_user_property(self, username: str, name: str, value: str) -> bool:
        if name == "disabled-print" and value not in ("TRUE", "FALSE"):
            raise xmlrpc.client.Fault(6, f"Invalid value for disabled-print: {value}")
        self._existing(username)[name] = value
        return True

    def _set_user_properties(self, username: str, properties: list[list[str]]) -> bool:
        for name, value in properties:
            self._set_user_property(username, name, value)
        return True

    def _get_user_property(self, username: str, name: str) -> str:
        return self._existing(username).get(name, "")

    def _get_user_groups(self, username: str) -> list[str]:
        self._existing(username)
        return sorted(self._groups.get(username.casefold(), ()))

    def _add_user_to_group(self, username: str, group: str) -> bool:
        self._existing(username)
        self._groups.setdefault(username.casefold(), set()).add(group)
        return True

    def _remove_user_from_group(self, username: str, group: str) -> bool:
        self._existing(username)
        self._groups.get(username.casefold(), set()).discard(group)
        return True
