"""Private addresses are refused unless allowed (server-side request forgery)."""

from __future__ import annotations

import ipaddress
import socket

import httpcore
import pytest

from integrations.http.addresses import (
    PrivateAddressError,
    PublicOnlyBackend,
    is_public,
    refusal,
)
from integrations.vendors import registry
from tests.integrations.helpers import make_person


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/",
        "http://localhost/",
        "https://10.1.2.3/",
        "http://192.168.0.10:9192",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        # IPv6 forms that reach an IPv4 address: NAT64, 6to4, IPv4-compatible.
        "http://[64:ff9b::7f00:1]/",
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
        "http://[64:ff9b:1::a00:1]/",
        "http://[2002:7f00:1::1]/",
        "http://[2002:a9fe:a9fe::]/",
        "http://[::7f00:1]/",
        "http://[::ffff:10.0.0.1]/",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(url):
    assert "private or local network" in refusal(url)


def test_a_public_address_is_allowed():
    assert refusal("https://93.184.215.14/") is None


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b:1::808:808", False),  # local-use NAT64: refused whole
        ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
        ("2002:c0a8:1::1", False),  # 6to4 of 192.168.0.1
        ("::ffff:8.8.8.8", True),
        ("::ffff:169.254.169.254", False),
        ("::a00:1", False),  # IPv4-compatible 10.0.0.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("2001:4860:4860::8888", True),
    ],
)
def test_ipv6_forms_of_ipv4_addresses_are_judged_by_the_ipv4_address(address, public):
    assert is_public(ipaddress.ip_address(address)) is public


# One address from each block of IANA's special-purpose registries that is not
# globally reachable, and the ones Python's ipaddress answers differently for
# from one patch level to the next (3.11.10 and 3.12.4 changed its tables).
@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("0.1.2.3", False),  # "this network"
        ("100.127.255.254", False),  # shared address space (carrier-grade NAT)
        ("172.31.0.1", False),
        ("192.0.0.9", False),  # IETF protocol assignments, PCP anycast: not an API
        ("192.0.0.171", False),
        ("192.0.2.1", False),  # documentation
        ("192.88.99.1", False),  # deprecated 6to4 relay anycast
        ("198.19.0.1", False),  # benchmarking
        ("198.51.100.7", False),
        ("203.0.113.7", False),
        ("224.0.0.251", False),  # multicast
        ("240.0.0.1", False),  # reserved
        ("255.255.255.255", False),
        ("192.31.196.1", True),  # AS112: globally reachable
        ("1.1.1.1", True),
        ("::", False),
        ("100::1", False),  # discard-only
        ("2001:1::1", False),  # IETF protocol assignments (PCP anycast)
        ("2001:2::1", False),  # benchmarking
        ("2001:3::1", False),  # AMT
        ("2001:20::1", False),  # ORCHIDv2: not routable
        ("2001:db8::1", False),  # documentation
        ("3fff::1", False),  # documentation (RFC 9637)
        ("4000::1", False),  # outside global unicast 2000::/3
        ("5f00::1", False),  # segment routing SIDs
        ("fc00::1", False),  # unique local
        ("fd12:3456::1", False),
        ("fe80::1", False),
        ("fec0::1", False),  # site-local (deprecated)
        ("ff02::1", False),  # multicast
        ("::ffff:0:808:808", False),  # IPv4-translated (RFC 2765): not global unicast
        ("2002:c000:201::1", False),  # 6to4 of a documentation address
        ("2002:808:808::1", True),
        ("2620:4f:8000::1", True),  # AS112 direct delegation
        ("2a00:1450:4001:81c::200e", True),
    ],
)
def test_special_purpose_addresses_are_refused(address, public):
    assert is_public(ipaddress.ip_address(address)) is public


def test_the_answer_does_not_come_from_pythons_own_address_tables(monkeypatch):
    """Python's ipaddress changed which addresses it calls global between
    patch releases (2002::/16, 2001::/23). The guard keeps its own tables, so
    its answer is the same on every Python: unplug the standard library's."""

    def unplugged(self):
        raise AssertionError("the guard asked the standard library")

    for cls in (ipaddress.IPv4Address, ipaddress.IPv6Address):
        for name in (
            "is_global",
            "is_private",
            "is_reserved",
            "is_multicast",
            "is_loopback",
            "is_link_local",
            "is_unspecified",
        ):
            monkeypatch.setattr(cls, name, property(unplugged))
    for name in ("is_site_local", "ipv4_mapped", "sixtofour", "teredo"):
        monkeypatch.setattr(ipaddress.IPv6Address, name, property(unplugged))
    for address in ("8.8.8.8", "10.0.0.1", "2002:808:808::1", "::ffff:127.0.0.1", "2001::1"):
        is_public(ipaddress.ip_address(address))


def test_the_connection_tries_each_checked_address_in_turn():
    """A host whose first address does not answer (an IPv6 address on a
    network without IPv6, a server that is down) is reached on the next."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        addresses = [ipaddress.ip_address("127.0.0.2"), ipaddress.ip_address("127.0.0.1")]
        stream = PublicOnlyBackend().connect_any(addresses, port, timeout=2.0)
        try:
            assert stream.get_extra_info("server_addr") == ("127.0.0.1", port)
        finally:
            stream.close()
        with pytest.raises(httpcore.ConnectError):
            PublicOnlyBackend().connect_any(addresses[:1], port, timeout=2.0)


def test_an_unresolvable_host_is_explained():
    assert "could not be found" in refusal("https://no-such-host.invalid/")


def test_the_client_refuses_to_connect_to_a_private_address(hubspot):
    client = registry.get("hubspot").build_client(hubspot.url, hubspot.credentials, timeout=2.0)
    with client, pytest.raises(PrivateAddressError) as info:
        client.push(make_person(), idempotency_key="k")
    assert info.value.permanent
    assert hubspot.requests == []  # nothing reached it


def test_allowed_private_hosts_reach_the_stub(hubspot):
    vendor = registry.get("hubspot")
    with vendor.build_client(hubspot.url, hubspot.credentials, allow_private_hosts=True) as client:
        client.push(make_person(), idempotency_key="k")
    assert hubspot.created_count == 1


def test_a_resolver_that_never_answers_times_out(monkeypatch):
    """getaddrinfo has no timeout of its own; a hung resolver must not hold a
    form or a worker (the lookup thread is abandoned, not waited for)."""
    import threading

    from integrations.http import addresses

    release = threading.Event()

    def hung(*args, **kwargs):
        release.wait(10)
        raise OSError("released")

    monkeypatch.setattr(addresses.socket, "getaddrinfo", hung)
    monkeypatch.setattr(addresses, "RESOLVE_TIMEOUT", 0.2)
    try:
        with pytest.raises(TimeoutError):
            addresses.resolve("api.example.com", 443, timeout=0.2)
        assert "could not be found" in refusal("https://api.example.com/")
    finally:
        release.set()
