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
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from .base import ConfigurationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddressError(ConfigurationError):
    """The address is loopback, private, link-local or otherwise not public."""


# RFC 8215 local-use NAT64: its translator reaches whatever IPv4 address is
# embedded (position depends on the prefix length), so refuse it whole.
LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")
WELL_KNOWN_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")

# getaddrinfo has no timeout of its own; a resolver that never answers must
# not hold a form or a worker for ever.
RESOLVE_TIMEOUT = 10.0


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address reaches through a translation or
    tunnel mechanism: IPv4-mapped and IPv4-compatible, NAT64 (64:ff9b::/96),
    6to4 (2002::/16) and Teredo (2001::/32, server and client)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    found = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address in WELL_KNOWN_NAT64 or address in IPV4_COMPATIBLE:
        found.append(low32)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    return found


def _global(address: IPAddress) -> bool:
    # is_global is False for private, loopback, link-local, shared (100.64/10),
    # reserved and unspecified ranges; multicast is never an API.
    return address.is_global and not address.is_multicast


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address in LOCAL_NAT64:
            return False
        if address.ipv4_mapped is not None:
            return _global(address.ipv4_mapped)  # ::ffff:127.0.0.1 is loopback too
        # Another IPv6 form of an IPv4 address (64:ff9b::a9fe:a9fe, 2002:7f00:1::,
        # ::7f00:1) is no more public than the IPv4 address it reaches.
        if not all(_global(embedded) for embedded in embedded_ipv4(address)):
            return False
    return _global(address)


def resolve(host: str, port: int, *, timeout: float | None = None) -> list[IPAddress]:
    """Every address ``host`` resolves to; ConfigurationError-free (raises OSError,
    TimeoutError when the resolver does not answer within ``timeout``)."""
    timeout = RESOLVE_TIMEOUT if timeout is None else timeout
    result: list = []

    def lookup():
        try:
            result.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as error:
            result.append(error)

    # A daemon thread: if the resolver hangs, the lookup is abandoned, not waited for.
    thread = threading.Thread(target=lookup, daemon=True, name=f"resolve {host}")
    thread.start()
    thread.join(timeout)
    if not result:
        raise TimeoutError(f"resolving {host} took more than {timeout:g}s")
    if isinstance(result[0], OSError):
        raise result[0]
    # Strip an IPv6 zone ("fe80::1%eth0"): it is link-local either way.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in result[0]]


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
        return self.connect_any(addresses, port, timeout, local_address, socket_options)

    def connect_any(
        self,
        addresses: list[IPAddress],
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Connect to the first of the (already checked) addresses that answers,
        as a resolver-driven connect would: a host with an unreachable IPv6
        address and a working IPv4 one still works."""
        error: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as failed:
                error = failed
        raise error or httpcore.ConnectError("no address to connect to")


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
