"""The shared error model: every failure becomes a correctly classified DeliveryError."""

from __future__ import annotations

import dataclasses
import pickle
import socket
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from integrations.http.base import (
    CONVERGENCE_HINTS,
    USER_AGENT,
    ConfigurationError,
    DeliveryError,
    json_body,
    make_http_client,
    parse_retry_after,
    send,
)
from tests.integrations.helpers import make_person


def client_answering(
    status: int, headers: dict[str, str] | None = None, body: bytes = b""
) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, content=body)

    return httpx.Client(base_url="https://remote.test", transport=httpx.MockTransport(handler))


def test_person_is_frozen_and_serialises_every_field() -> None:
    person = make_person()
    fields = {f.name: getattr(person, f.name) for f in dataclasses.fields(person)}
    assert person.to_dict() == {k: v for k, v in fields.items() if k not in CONVERGENCE_HINTS}
    assert set(person.to_dict()) == {
        "member_id", "email", "first_name", "last_name", "phone",
        "company", "status", "location", "organization",
        "door_group", "printing_group", "door_access", "printing_access",
    }  # fmt: skip
    with pytest.raises(dataclasses.FrozenInstanceError):
        person.status = "former"  # type: ignore[misc]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 410, 413, 422])
def test_client_errors_are_permanent(status: int) -> None:
    with pytest.raises(DeliveryError) as info:
        send(client_answering(status, body=b'{"message":"nope"}'), "POST", "/x")
    assert info.value.permanent
    assert info.value.status_code == status
    assert "nope" in str(info.value)


@pytest.mark.parametrize("status", [408, 409, 425, 429, 500, 502, 503, 504])
def test_temporary_statuses_are_transient(status: int) -> None:
    with pytest.raises(DeliveryError) as info:
        send(client_answering(status), "GET", "/x")
    assert not info.value.permanent
    assert info.value.status_code == status


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_is_read_on_429_and_503(status: int) -> None:
    with pytest.raises(DeliveryError) as info:
        send(client_answering(status, {"Retry-After": "7"}), "GET", "/x")
    assert info.value.retry_after == 7.0


def test_retry_after_is_ignored_on_other_statuses() -> None:
    with pytest.raises(DeliveryError) as info:
        send(client_answering(500, {"Retry-After": "7"}), "GET", "/x")
    assert info.value.retry_after is None


def test_retry_after_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0  # in the past


def test_retry_after_http_date_against_the_real_clock() -> None:
    header = format_datetime(
        datetime.fromtimestamp(datetime.now(UTC).timestamp() + 120, UTC), usegmt=True
    )
    assert 100 < parse_retry_after(header) <= 120  # type: ignore[operator]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2", 2.0), (" 1.5 ", 1.5), ("0", 0.0), ("-3", 0.0), ("soon", None), ("", None),
     (None, None), ("nan", None), ("inf", None)],
)  # fmt: skip
def test_retry_after_parsing(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_redirects_are_not_followed_and_are_permanent() -> None:
    client = client_answering(301, {"Location": "https://elsewhere.test/x"})
    with pytest.raises(DeliveryError) as info:
        send(client, "POST", "/x")
    assert info.value.permanent
    assert "redirect" in str(info.value)


def test_success_and_allowed_statuses_pass_through() -> None:
    assert send(client_answering(204), "DELETE", "/x").status_code == 204
    assert (
        send(client_answering(404), "DELETE", "/x", ok_statuses=frozenset({404})).status_code == 404
    )


def test_connection_refused_is_transient() -> None:
    with socket.socket() as sock:  # grab a free port, then close it: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = make_http_client(f"http://127.0.0.1:{port}", timeout=1.0, allow_private_hosts=True)
    with client, pytest.raises(DeliveryError) as info:
        send(client, "GET", "/x")
    assert not info.value.permanent
    assert info.value.status_code is None


def test_unsupported_scheme_is_permanent() -> None:
    with make_http_client("ftp://remote.test") as client, pytest.raises(DeliveryError) as info:
        send(client, "GET", "/x")
    assert info.value.permanent


def test_garbled_json_is_transient() -> None:
    response = send(client_answering(200, body=b"<html>proxy error</html>"), "GET", "/x")
    with pytest.raises(DeliveryError) as info:
        json_body(response)
    assert not info.value.permanent


def test_http_client_defaults() -> None:
    with make_http_client("https://remote.test", headers={"X-A": "1"}, timeout=3.0) as client:
        assert client.follow_redirects is False
        assert client.headers["User-Agent"] == USER_AGENT
        assert client.headers["X-A"] == "1"
        timeout = client.timeout
        assert (timeout.read, timeout.write, timeout.pool) == (3.0, 3.0, 3.0)
        assert timeout.connect == 3.0


def test_error_message_is_readable_and_hides_query_strings() -> None:
    with pytest.raises(DeliveryError) as info:
        send(client_answering(429, {"Retry-After": "2"}), "POST", "/hook?token=s3cret")
    text = str(info.value)
    assert text.startswith("transient: POST /hook")
    assert "HTTP 429" in text and "retry after 2s" in text
    assert "s3cret" not in text
    assert "permanent=False" in repr(info.value)


@pytest.mark.parametrize(
    "error",
    [
        DeliveryError("rate limited", permanent=False, retry_after=2.0, status_code=429),
        ConfigurationError("hubspot: missing credential(s): access_token"),
    ],
)
def test_delivery_error_survives_pickling(error: DeliveryError) -> None:
    """Celery pickles task exceptions; the classification must survive the trip."""
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (copy.message, copy.permanent, copy.retry_after, copy.status_code) == (
        error.message, error.permanent, error.retry_after, error.status_code,
    )  # fmt: skip
    assert str(copy) == str(error)
