"""PaperCut: XML-RPC over httpx; active members can print, others cannot."""

from __future__ import annotations

import pytest

from integrations.http import DeliveryError
from integrations.vendors.papercut.client import PaperCutClient
from tests.integrations.helpers import make_person
from tests.stubs import PaperCutStub


def client_for(stub: PaperCutStub, token: str | None = None) -> PaperCutClient:
    return PaperCutClient(
        stub.url, auth_token=token or stub.auth_token, timeout=2.0, allow_private_hosts=True
    )


def test_enable_disable_enable(papercut: PaperCutStub) -> None:
    with client_for(papercut) as client:
        client.push(make_person(status="active"), idempotency_key="evt-1")
        assert papercut.can_print("ada@example.com")
        assert papercut.user("ada@example.com") == {
            "username": "ada@example.com",
            "email": "ada@example.com",
            "full-name": "Ada Lovelace",
            "disabled-print": "FALSE",
        }
        client.push(make_person(status="former"), idempotency_key="evt-2")
        assert papercut.user("ada@example.com")["disabled-print"] == "TRUE"  # type: ignore[index]
        assert not papercut.can_print("ada@example.com")
        client.push(make_person(status="active"), idempotency_key="evt-3")
        assert papercut.can_print("ada@example.com")
    assert papercut.calls() == [
        "api.isUserExists", "api.addNewUser", "api.setUserProperties", "api.setUserProperty",
        "api.isUserExists", "api.setUserProperty",
        "api.isUserExists", "api.setUserProperties", "api.setUserProperty",
    ]  # fmt: skip


def test_request_is_xml_rpc_with_token_first(papercut: PaperCutStub) -> None:
    with client_for(papercut) as client:
        client.push(make_person(status="removed"), idempotency_key="evt-1")
    (request,) = papercut.requests
    assert (request.method, request.path) == ("POST", "/rpc/api/xmlrpc")
    assert request.header("content-type") == "text/xml"
    assert request.body == ("api.isUserExists", (papercut.auth_token, "ada@example.com"))


def test_disabling_an_unknown_user_creates_nothing(papercut: PaperCutStub) -> None:
    with client_for(papercut) as client:
        client.push(make_person(status="contact"), idempotency_key="evt-1")
    assert papercut.users == {}
    assert papercut.calls() == ["api.isUserExists"]


def test_username_is_the_lower_cased_email(papercut: PaperCutStub) -> None:
    with client_for(papercut) as client:
        client.push(make_person(email="Ada@Example.COM"), idempotency_key="evt-1")
        client.push(make_person(email="ada@example.com"), idempotency_key="evt-2")
    assert list(papercut.users) == ["ada@example.com"]


def test_bad_token_fault_is_permanent(papercut: PaperCutStub) -> None:
    with client_for(papercut, token="wrong") as client, pytest.raises(DeliveryError) as info:
        client.push(make_person(), idempotency_key="evt-1")
    assert info.value.permanent
    assert "Invalid authentication token" in str(info.value)


def test_transient_looking_fault_is_transient(papercut: PaperCutStub) -> None:
    papercut.fault_next(99, "Server is busy, please try again later")
    with client_for(papercut) as client, pytest.raises(DeliveryError) as info:
        client.push(make_person(), idempotency_key="evt-1")
    assert not info.value.permanent


def test_unreadable_response_is_transient(papercut: PaperCutStub) -> None:
    papercut.fail_next(status=200, body=b"<html>maintenance</html>")
    with client_for(papercut) as client, pytest.raises(DeliveryError) as info:
        client.push(make_person(), idempotency_key="evt-1")
    assert not info.value.permanent


def test_void_method_answer_without_a_value_is_fine(papercut: PaperCutStub) -> None:
    empty = b"<?xml version='1.0'?><methodResponse><params></params></methodResponse>"
    papercut.fail_next(status=200, body=empty)
    with client_for(papercut) as client:
        assert client.call("api.addNewUser", "ada@example.com") is None
