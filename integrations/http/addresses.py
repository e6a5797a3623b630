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

from .errors import ConfigurationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddressError(ConfigurationError):
    """The address is loopback, private, link-local or otherwise not public."""


def _networks(*blocks: str) -> tuple:
    return tuple(ipaddress.ip_network(block) for block in blocks)


# Which addresses are public is read from IANA's IPv4 and IPv6 Special-Purpose
# Address Registries (RFC 6890 and its updates), kept here rather than asked of
# Python's ipaddress: its is_global/is_private tables changed between patch
# releases (3.11.10, 3.12.4: 2002::/16, 2001::/23), and a security check must
# answer the same on every Python. Where IANA makes an exception inside a
# refused block for an anycast service (PCP, TURN, AMT) or an identifier that
# is not routed (ORCHIDv2), the whole block is refused: no API lives there.
IPV4_NOT_PUBLIC = _networks(
    "0.0.0.0/8",  # "this network"
    "10.0.0.0/8",  # private use
    "100.64.0.0/10",  # shared address space (carrier-grade NAT)
    "127.0.0.0/8",  # loopback
    "169.254.0.0/16",  # link local (cloud metadata services)
    "172.16.0.0/12",  # private use
    "192.0.0.0/24",  # IETF protocol assignments
    "192.0.2.0/24",  # documentation
    "192.88.99.0/24",  # deprecated 6to4 relay anycast (RFC 7526)
    "192.168.0.0/16",  # private use
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",  # documentation
    "203.0.113.0/24",  # documentation
    "224.0.0.0/4",  # multicast: never an API
    "240.0.0.0/4",  # reserved, and the limited broadcast address
)

# Only 2000::/3 is allocated as global unicast (IANA IPv6 Address Space); the
# rest (loopback, ::/8, 100::/64 discard, 5f00::/16 segment routing,
# fc00::/7 unique local, fe80::/10 link local, fec0::/10 site local,
# ff00::/8 multicast) is not public.
IPV6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
IPV6_NOT_PUBLIC = _networks(
    "2001::/23",  # IETF protocol assignments, Teredo (2001::/32) included
    "2001:db8::/32",  # documentation
    "3fff::/20",  # documentation (RFC 9637)
)

# IPv6 forms that reach an IPv4 address, and how far the IPv4 address sits
# from the low end. Such an address is no more public than the IPv4 address
# it reaches (64:ff9b::a9fe:a9fe is the metadata service behind a NAT64).
# RFC 8215's local-use NAT64 (64:ff9b:1::/48) places it by prefix length, so
# it is not here: outside 2000::/3, it is refused whole.
IPV4_IN_IPV6 = (
    (ipaddress.IPv6Network("::ffff:0:0/96"), 0),  # IPv4-mapped: the socket speaks IPv4
    (ipaddress.IPv6Network("::/96"), 0),  # IPv4-compatible (deprecated); :: and ::1 too
    (ipaddress.IPv6Network("64:ff9b::/96"), 0),  # NAT64 well-known prefix (RFC 6052)
    (ipaddress.IPv6Network("2002::/16"), 80),  # 6to4: 2002:AABB:CCDD::/48
)

# getaddrinfo has no timeout of its own; a resolver that never answers must
# not hold a form or a worker for ever.
RESOLVE_TIMEOUT = 10.0


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address reaches through a translation or
    tunnel mechanism (IPv4-mapped or -compatible, NAT64, 6to4), if any."""
    for network, shift in IPV4_IN_IPV6:
        if address in network:
            return ipaddress.IPv4Address((int(address) >> shift) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv4Address):
        return not any(address in network for network in IPV4_NOT_PUBLIC)
    ipv4 = embedded_ipv4(address)
    if ipv4 is not None:
        return is_public(ipv4)
    return address in IPV6_GLOBAL_UNICAST and not any(
        address in network for network in IPV6_NOT_PUBLIC
    )


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
