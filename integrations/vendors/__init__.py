"""Outbound integration clients — the network edge of member-change delivery (SPEC R3).

Plain Python + httpx, no Django: the delivery pipeline (outbox + Celery) turns an outbox
row into a :class:`Person` and calls ``build_client(kind, base_url, credentials).push()``.
Every failure is a :class:`DeliveryError`; ``permanent`` says retry or dead-letter and
``retry_after`` carries the remote's ``Retry-After`` hint.

Credential keys per kind (the ``credentials`` dict stored, encrypted, per connection):

=========  ===========================  ==================================================
kind       credentials                  base_url
=========  ===========================  ==================================================
hubspot    ``access_token``             ``https://api.hubapi.com``
capsule    ``api_token``                ``https://api.capsulecrm.com``
kisi       ``api_key``, ``group_id``,   ``https://api.kisi.io``
           ``role_id`` (optional)
papercut   ``auth_token``               ``https://<papercut-server>:9192``
webhook    ``secret``                   the complete endpoint URL
=========  ===========================  ==================================================

Every push converges the remote to the member's current status, so re-sending the same
Person (a retry, or an admin's "resync") is always safe.
"""

from __future__ import annotations

from typing import Any

from integrations.http.base import (
    BaseClient,
    Client,
    ConfigurationError,
    DeliveryError,
    Person,
    make_http_client,
    parse_retry_after,
    send,
)

from .capsule.client import CapsuleClient
from .hubspot.client import HubSpotClient
from .kisi.client import KisiClient
from .papercut.client import PaperCutClient
from .webhook.client import WebhookClient

CLIENTS: dict[str, type[BaseClient]] = {
    "hubspot": HubSpotClient,
    "capsule": CapsuleClient,
    "kisi": KisiClient,
    "papercut": PaperCutClient,
    "webhook": WebhookClient,
}


def credential_keys(kind: str) -> tuple[str, ...]:
    """The credential names a connection of this kind needs (for forms and validation)."""
    return _client_class(kind).credential_keys


def build_client(
    kind: str,
    base_url: str,
    credentials: dict[str, Any],
    *,
    timeout: float = 10.0,
    allow_private_hosts: bool = False,
) -> Client:
    """Construct the client for ``kind``.

    Keys in ``credentials`` that the kind does not use are ignored (so a connection can
    store extra metadata next to its secrets); a missing or empty one raises
    :class:`ConfigurationError` (a permanent DeliveryError). Optional settings
    (``optional_keys``, e.g. Kisi's ``role_id``) are passed when not empty.
    ``allow_private_hosts`` lets the client reach loopback and private networks
    (self-hosted systems, local stubs); by default they are refused.
    """
    cls = _client_class(kind)
    missing = [key for key in cls.credential_keys if credentials.get(key) in (None, "")]
    if missing:
        raise ConfigurationError(f"{kind}: missing credential(s): {', '.join(missing)}")
    kwargs = {key: credentials[key] for key in cls.credential_keys}
    kwargs.update(
        {
            key: credentials[key]
            for key in cls.optional_keys
            if credentials.get(key) not in (None, "")
        }
    )
    return cls(base_url, **kwargs, timeout=timeout, allow_private_hosts=allow_private_hosts)


def optional_credential_keys(kind: str) -> tuple[str, ...]:
    """Settings a connection of this kind may give (never secret, may be left empty)."""
    return _client_class(kind).optional_keys


def _client_class(kind: str) -> type[BaseClient]:
    try:
        return CLIENTS[kind]
    except KeyError:
        known = ", ".join(sorted(CLIENTS))
        raise ConfigurationError(f"unknown integration kind {kind!r} (known: {known})") from None


__all__ = [
    "CLIENTS",
    "CapsuleClient",
    "Client",
    "ConfigurationError",
    "DeliveryError",
    "HubSpotClient",
    "KisiClient",
    "PaperCutClient",
    "Person",
    "WebhookClient",
    "build_client",
    "credential_keys",
    "make_http_client",
    "optional_credential_keys",
    "parse_retry_after",
    "send",
]
