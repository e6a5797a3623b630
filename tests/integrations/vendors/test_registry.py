"""The registry the delivery pipeline builds clients from."""

from __future__ import annotations

import pytest

from integrations.vendors import (
    CLIENTS,
    CapsuleClient,
    Client,
    ConfigurationError,
    DeliveryError,
    HubSpotClient,
    KisiClient,
    PaperCutClient,
    WebhookClient,
    build_client,
    credential_keys,
)

CREDENTIALS = {
    "hubspot": {"access_token": "sekrit-1"},
    "capsule": {"api_token": "sekrit-2"},
    "kisi": {"api_key": "sekrit-3", "group_id": "12"},
    "papercut": {"auth_token": "sekrit-4"},
    "webhook": {"secret": "sekrit-5"},
}


def test_registry_lists_every_kind() -> None:
    assert {
        "hubspot": HubSpotClient,
        "capsule": CapsuleClient,
        "kisi": KisiClient,
        "papercut": PaperCutClient,
        "webhook": WebhookClient,
    } == CLIENTS
    assert {kind: set(credential_keys(kind)) for kind in CLIENTS} == {
        kind: set(creds) for kind, creds in CREDENTIALS.items()
    }


@pytest.mark.parametrize("kind", sorted(CREDENTIALS))
def test_build_client_returns_a_client(kind: str) -> None:
    credentials = {**CREDENTIALS[kind], "note": "extra keys are ignored"}
    with build_client(kind, "https://remote.test/hook", credentials) as client:
        assert isinstance(client, CLIENTS[kind])
        assert isinstance(client, Client)
        assert "sekrit" not in repr(client)


@pytest.mark.parametrize("kind", sorted(CREDENTIALS))
def test_missing_credentials_are_a_permanent_error(kind: str) -> None:
    with pytest.raises(DeliveryError) as info:
        build_client(kind, "https://remote.test", {})
    assert info.value.permanent
    assert isinstance(info.value, ConfigurationError)


def test_empty_credential_is_missing() -> None:
    with pytest.raises(ConfigurationError, match="group_id"):
        build_client("kisi", "https://remote.test", {"api_key": "k", "group_id": ""})


def test_unknown_kind() -> None:
    with pytest.raises(ConfigurationError, match="unknown integration kind"):
        build_client("salesforce", "https://remote.test", {})


@pytest.mark.parametrize("url", ["", "remote.test", "ftp://remote.test"])
def test_bad_base_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError):
        build_client("hubspot", url, {"access_token": "t"})


def test_kisi_group_id_becomes_an_integer() -> None:
    with build_client("kisi", "https://remote.test", {"api_key": "k", "group_id": " 12 "}) as c:
        assert c.group_id == 12  # type: ignore[attr-defined]
