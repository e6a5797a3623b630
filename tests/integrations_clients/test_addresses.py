"""Private addresses are refused unless allowed (server-side request forgery)."""

from __future__ import annotations

import pytest

from integrations.clients import build_client
from integrations.clients.addresses import PrivateAddressError, refusal

from .helpers import make_person


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
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(url):
    assert "private or local network" in refusal(url)


def test_a_public_address_is_allowed():
    assert refusal("https://93.184.215.14/") is None


def test_an_unresolvable_host_is_explained():
    assert "could not be found" in refusal("https://no-such-host.invalid/")


def test_the_client_refuses_to_connect_to_a_private_address(hubspot_stub):
    client = build_client("hubspot", hubspot_stub.url, hubspot_stub.credentials, timeout=2.0)
    with client, pytest.raises(PrivateAddressError) as info:
        client.push(make_person(), idempotency_key="k")
    assert info.value.permanent
    assert hubspot_stub.requests == []  # nothing reached it


def test_allowed_private_hosts_reach_the_stub(hubspot_stub):
    with build_client(
        "hubspot", hubspot_stub.url, hubspot_stub.credentials, allow_private_hosts=True
    ) as client:
        client.push(make_person(), idempotency_key="k")
    assert hubspot_stub.created_count == 1


def test_kisi_role_is_a_connection_setting(kisi_stub):
    credentials = {**kisi_stub.credentials, "role_id": "group_manager"}
    with build_client("kisi", kisi_stub.url, credentials, allow_private_hosts=True) as client:
        client.push(make_person(), idempotency_key="k")
    [assignment] = kisi_stub.assignments_for("ada@example.com")
    assert assignment["role_id"] == "group_manager"
