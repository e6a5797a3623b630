"""What describes a vendor, and the registry of them.

Each folder beside this file defines one :class:`Vendor` (``VENDOR``): everything
the rest of the product needs to know about that system. Nothing outside the
folder names a vendor: the connection's kinds and labels, the admin form, which
credentials are secret and how a change is pushed are all read from here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Unpack

from integrations.http.base import BaseClient, ClientOptions
from integrations.http.errors import ConfigurationError

from .categories import Category

#: A kind is stored in the database and appears in URLs (``new/<kind>/``).
KIND = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Credential:
    """One value the admin gives when connecting (stored encrypted, R3.5)."""

    #: The name in the stored credentials and the client's keyword argument.
    key: str
    label: str
    #: Where the admin finds it.
    help_text: str
    #: Secrets are never shown back (only their last four characters); an
    #: identifier, like a Kisi group, is shown in full.
    secret: bool = True
    #: May be left empty: the client's default applies.
    optional: bool = False
    #: A fresh value a new connection's form offers (shown so the admin can
    #: copy it to the other side, e.g. a webhook's signing secret).
    suggest: Callable[[], str] | None = None
    #: Raises ValueError (its message for the admin) for a value the client
    #: would refuse: the form refuses it at the field instead.
    check: Callable[[str], object] | None = None


@dataclass(frozen=True)
class Vendor:
    #: ``Connection.kind`` in the database: never rename one.
    kind: str
    #: What admins read: "HubSpot (CRM)".
    label: str
    #: What the system does with a member, and so what a change sends it.
    category: Category
    client: type[BaseClient]
    credentials: tuple[Credential, ...]
    #: Where its API lives unless the admin says otherwise; empty for
    #: self-hosted systems and webhooks.
    default_base_url: str = ""
    #: The address field's label and help, when the column's do not fit.
    base_url_label: str | None = None
    base_url_help: str | None = None
    #: (requests, seconds) the remote allows one API key, as documented by the
    #: vendor; a connection may set its own. None: no limit of ours.
    rate_limit: tuple[int, float] | None = None

    def __post_init__(self) -> None:
        if not KIND.fullmatch(self.kind):
            raise ValueError(f"vendor kind {self.kind!r}: lower-case letters, digits and _")
        keys = [credential.key for credential in self.credentials]
        if len(set(keys)) != len(keys):
            raise ValueError(f"vendor {self.kind}: a credential is declared twice")

    @property
    def required_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.credentials if not c.optional)

    @property
    def optional_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.credentials if c.optional)

    def is_secret(self, key: str) -> bool:
        """Keys this vendor does not declare count as secret: never shown by mistake."""
        return next((c.secret for c in self.credentials if c.key == key), True)

    def build_client(
        self, base_url: str, credentials: Mapping[str, Any], **options: Unpack[ClientOptions]
    ) -> BaseClient:
        """The vendor's client for a connection's address and stored credentials.

        Stored keys the vendor does not declare are ignored; a required one that
        is missing or empty raises :class:`ConfigurationError` (a delivery then
        dies at once: retrying cannot fix it). Optional ones are passed when given.
        """
        missing = [key for key in self.required_keys if credentials.get(key) in (None, "")]
        if missing:
            raise ConfigurationError(f"{self.kind}: missing credential(s): {', '.join(missing)}")
        given = {
            c.key: credentials[c.key]
            for c in self.credentials
            if credentials.get(c.key) not in (None, "")
        }
        return self.client(base_url, **given, **options)


class Registry:
    """The vendors a connection can be made to, in the order admins are offered them."""

    def __init__(self, vendors: Iterable[Vendor] = ()) -> None:
        self._vendors: dict[str, Vendor] = {}
        for vendor in vendors:
            self.register(vendor)

    def register(self, vendor: Vendor) -> None:
        if vendor.kind in self._vendors:
            raise ValueError(f"vendor {vendor.kind!r} is registered already")
        self._vendors[vendor.kind] = vendor

    def unregister(self, kind: str) -> None:
        del self._vendors[kind]

    def get(self, kind: str) -> Vendor:
        try:
            return self._vendors[kind]
        except KeyError:
            known = ", ".join(sorted(self._vendors))
            raise ConfigurationError(
                f"unknown integration kind {kind!r} (known: {known})"
            ) from None

    def find(self, kind: str) -> Vendor | None:
        return self._vendors.get(kind)

    def choices(self) -> list[tuple[str, str]]:
        return [(vendor.kind, vendor.label) for vendor in self]

    def __iter__(self) -> Iterator[Vendor]:
        return iter(list(self._vendors.values()))

    def __contains__(self, kind: object) -> bool:
        return kind in self._vendors

    def __len__(self) -> int:
        return len(self._vendors)
