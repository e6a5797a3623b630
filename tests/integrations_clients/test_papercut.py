"""PaperCut: XML-RPC over httpx; active members can print, others cannot."""

from __future__ import annotations

import pytest

from integrations.vendors import DeliveryError, PaperCutClient
from tests.stubs import PaperCutStub

from .helpers import make_person


def client_for(stub: PaperCutStub, token: str | None = None) -> PaperCutClient:
    return PaperCutClient(
        stub.url, auth_token=token or stub.auth_token, timeout=2.0, allow_private_hosts=True
    )


def test_enable_disable_enable(papercut_stub: PaperCutStub) -> None:
    with client_for(papercut_stub) as client:
        client.push(make_person(status="active"), idempotency_key="evt-1")
        assert papercut_stub.can_print("ada@example.com")
        assert papercut_stub.user("ada@example.com") == {
            "username": "ada@example.com",
            "email": "ada@example.com",
            "full-name": "Ada Lovelace",
            "disabled-print": "FALSE",
        }
        client.push(make_person(status="former"), idempotency_key="evt-2")
        assert papercut_stub.user("ada@example.com")["disabled-print"] == "TRUE"  # type: ignore[index]
        assert not papercut_stub.can_print("ada@example.com")
        client.push(make_person(status="active"), idempotency_key="evt-3")
        assert papercut_stub.can_print("ada@example.com")
    assert papercut_stub.calls() == [
        "api.isUserExists", "api.addNewUser", "api.setUserProperties", "api.setUserProperty",
        "api.isUserExists", "api.setUserProperty",
        "api.isUserExists", "api.setUserProperties", "api.setUserProperty",
    ]  # fmt: skip


def test_request_is_xml_rpc_with_token_first(papercut_stub: PaperCutStub) -> None:
    with client_for(papercut_stub) as client:
        client.push(make_person(status="removed"), idempotency_key="evt-1")
    (request,) = papercut_stub.requests
    assert (request.method, request.path) == ("POST", "/rpc/api/xmlrpc")
    assert request.header("content-type") == "text/xml"
    assert request.body == ("api.isUserExists", (papercut_stub.auth_token, "ada@example.com"))


def test_disabling_an_unknown_user_creates_nothing(papercut_stub: PaperCutStub) -> None:
    with client_for(papercut_stub) as client:
        client.push(make_person(status="contact"), idempotency_key="evt-1")
    assert papercut_stub.users == {}
    assert papercut_stub.calls() == ["api.isUserExists"]


def test_username_is_the_lower_cased_email(papercut_stub: PaperCutStub) -> None:
    with client_for(papercut_stub) as client:
        client.push(make_person(email="Ada@Example.COM"), idempotency_key="evt-1")
        client.push(make_person(email="ada@example.com"), idempotency_key="evt-2")
    assert list(papercut_stub.users) == ["ada@example.com"]


def test_bad_token_fault_is_permanent(papercut_stub: PaperCutStub) -> None:
    with client_for(papercut_stub, token="wrong") as client, pytest.raises(DeliveryError) as info:
        client.push(make_person(), idempotency_key="evt-1")
    assert info.value.permanent
    assert "Invalid authentication token" in str(info.value)


def test_transient_looking_fault_is_transient(papercut_stub: PaperCutStub) -> None:
    papercut_stub.fault_next(99, "Server is busy, please try again later")
    with client_for(papercut_stub) as client, pytest.raises(DeliveryError) as info:
        client.push(make_person(), idempotency_key="evt-1")
    assert not info.value.permanent


def test_unreadable_response_is_transient(papercut_stub: PaperCutStub) -> None:
    papercut_stub.fail_next(status=200, body=b"<html>maintenance</html>")
    with client_for(papercut_stub) as client, pytest.raises(DeliveryError) as info:
        client.push(make_person(), idempotency_key="evt-1")
    assert not info.value.permanent


def test_void_method_answer_without_a_value_is_fine(papercut_stub: PaperCutStub) -> None:
    empty = b"<?xml version='1.0'?><methodResponse><params></params></methodResponse>"
    papercut_stub.fail_next(status=200, body=empty)
    with client_for(papercut_stub) as client:
        assert client.call("api.addNewUser", "ada@example.com") is None
