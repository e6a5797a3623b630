"""PaperCut MF-style printing: active members may print, everyone else may not.

PaperCut's server API is XML-RPC at ``/rpc/api/xmlrpc`` and every call takes the admin
auth token as its first argument. Bodies are built with :func:`xmlrpc.client.dumps` and
parsed with :func:`xmlrpc.client.loads` but sent over httpx rather than xmlrpc's own
transport, so timeouts, retries and error classification match the other clients.

The PaperCut username is the member's email, lower-cased (PaperCut usernames are
case-insensitive; lower-casing keeps one account if the member's email changes case).

- active (and their plans give printing): ``api.isUserExists`` → ``api.addNewUser`` if
  missing → ``api.setUserProperties`` (``email``, ``full-name``) →
  ``api.setUserProperty(..., "disabled-print", "FALSE")``; then, when the organization's
  locations name printing groups, ``api.getUserGroups`` → ``api.addUserToGroup`` for their
  location's group and ``api.removeUserFromGroup`` for the other locations' ones.
- otherwise: ``api.setUserProperty(..., "disabled-print", "TRUE")`` if the user exists,
  and out of the locations' groups; a missing user already cannot print. Accounts are
  disabled rather than deleted so the print history and balance stay for billing.

Every step sets an absolute value, so a retried push is harmless.
"""

from __future__ import annotations

import xmlrpc.client
from typing import Any, ClassVar, Unpack

from integrations.http.base import (
    BaseClient,
    ClientOptions,
    DeliveryError,
    Person,
    require_credential,
    require_email,
    unexpected_shape_is_transient,
)

RPC_PATH = "/rpc/api/xmlrpc"

#: Fault messages that describe a temporary server condition rather than a bad call.
_TRANSIENT_FAULT_WORDS = (
    "timeout",
    "timed out",
    "temporar",
    "unavailable",
    "try again",
    "busy",
    "locked",
    "deadlock",
    "connection",
)


def fault_is_transient(fault: xmlrpc.client.Fault) -> bool:
    text = f"{fault.faultString}".casefold()
    return any(word in text for word in _TRANSIENT_FAULT_WORDS)


class PaperCutClient(BaseClient):
    kind: ClassVar[str] = "papercut"

    def __init__(
        self,
        base_url: str,
        auth_token: str,
        **options: Unpack[ClientOptions],
    ) -> None:
        self._token = require_credential(self.kind, "auth_token", auth_token)
        super().__init__(
            base_url,
            headers={"Accept": "text/xml", "Content-Type": "text/xml"},
            **options,
        )

    @unexpected_shape_is_transient
    def push(self, person: Person, *, idempotency_key: str) -> None:
        # idempotency_key is not needed: every call sets an absolute value.
        username = require_email(person).casefold()
        exists = bool(self.call("api.isUserExists", username))
        if person.may_print:
            if not exists:
                self.call("api.addNewUser", username)
            properties = [["email", username]]
            if person.full_name:
                properties.append(["full-name", person.full_name])
            self.call("api.setUserProperties", username, properties)
            self.call("api.setUserProperty", username, "disabled-print", "FALSE")
            self.converge_groups(username, person.printing_group, person.other_printing_groups)
        elif exists:
            self.call("api.setUserProperty", username, "disabled-print", "TRUE")
            self.converge_groups(
                username, "", (person.printing_group, *person.other_printing_groups)
            )

    def converge_groups(self, username: str, wanted: str, others) -> None:
        """In ``wanted`` (if any), in none of ``others``; groups we do not
        manage are left alone. Nothing is asked when no location names one."""
        others = {group for group in others if group and group != wanted}
        if not wanted and not others:
            return
        held = set(self.call("api.getUserGroups", username) or ())
        if wanted and wanted not in held:
            self.call("api.addUserToGroup", username, wanted)
        for group in sorted(others & held):
            self.call("api.removeUserFromGroup", username, group)

    def call(self, method: str, *params: Any) -> Any:
        """Invoke one XML-RPC method with the auth token prepended; return its result."""
        body = xmlrpc.client.dumps((self._token, *params), methodname=method, allow_none=False)
        response = self._send("POST", RPC_PATH, content=body.encode("utf-8"))
        try:
            params, _ = xmlrpc.client.loads(response.content)
        except xmlrpc.client.Fault as fault:
            raise DeliveryError(
                f"PaperCut {method} fault {fault.faultCode}: {fault.faultString}",
                permanent=not fault_is_transient(fault),
                status_code=response.status_code,
            ) from fault
        except Exception as exc:
            # Garbled XML from a proxy or an outage page: worth another try.
            raise DeliveryError(
                f"PaperCut {method}: unreadable XML-RPC response ({exc!r:.200})",
                permanent=False,
                status_code=response.status_code,
            ) from exc
        # Methods PaperCut documents as void may answer with no value at all.
        return params[0] if params else None
