"""Refusing private addresses: the guard against server-side request forgery.

An organization admin chooses each connection's address. Without a guard, that
admin could point a "CRM" at ``http://169.254.169.254/`` or an internal service
and read part of the answer back in the delivery log. So, unless the operator
allows it (self-hosted systems on a private network), every outgoing
connection must go to a public address.

Checked twice:

- when a connection is saved (:func:`refusal`), so the admin gets a clear
  message on the form;
- when each connection is opened (:class:`PublicOnlyBackend`): the host is
  resolved once, every address checked, and the socket connected to the
  checked address. Checking a name and then letting the HTTP library resolve
  it again would let DNS answer differently the second time (rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from .base import ConfigurationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddressError(ConfigurationError):
    """The address is loopback, private, link-local or otherwise not public."""


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    # is_global is False for private, loopback, link-local, shared (100.64/10),
    # reserved and unspecified ranges; multicast is never an API.
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to; ConfigurationError-free (raises OSError)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # Strip an IPv6 zone ("fe80::1%eth0"): it is link-local either way.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def non_public(addresses: Iterable[IPAddress]) -> list[IPAddress]:
    return [address for address in addresses if not is_public(address)]


def refusal(url: str) -> str | None:
    """Why an outgoing request to ``url`` would be refused, or None if it is allowed.

    For forms: the message is meant for the admin who typed the address.
    """
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return "Enter a complete address, including the host name."
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "The port in this address is not valid."
    try:
        addresses = resolve(host, port)
    except OSError:
        return f"{host} could not be found (DNS). Check the address."
    blocked = non_public(addresses)
    if blocked:
        return (
            f"{host} points to {blocked[0]}, a private or local network address. "
            "Integrations only connect to public internet addresses."
        )
    return None


class PublicOnlyBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to public addresses."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = resolve(host, port)
        except OSError as error:
            raise httpcore.ConnectError(f"could not resolve {host}: {error}") from error
        blocked = non_public(addresses)
        if blocked:
            raise PrivateAddressError(
                f"refused to connect to {host}: {blocked[0]} is not a public address "
                "(set INTEGRATIONS_ALLOW_PRIVATE_HOSTS to allow private networks)"
            )
        return super().connect_tcp(str(addresses[0]), port, timeout, local_address, socket_options)


def public_only_transport(ssl_context) -> httpx.HTTPTransport:
    """An httpx transport whose connections go through :class:`PublicOnlyBackend`.

    httpx does not take a network backend, so the transport's pool is rebuilt
    with one (same settings as httpx's defaults; httpx is pinned in the lock).
    No proxy: a proxy would connect on our behalf, past the check.
    """
    transport = httpx.HTTPTransport(verify=ssl_context, trust_env=False)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=PublicOnlyBackend(),
    )
    return transport
