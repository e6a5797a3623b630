"""Kisi: door access for active members only, converged idempotently."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.http import DeliveryError
from integrations.vendors import registry
from integrations.vendors.kisi.client import KisiClient
from tests.integrations.helpers import FAST_TIMEOUT, LATE, make_person
from tests.stubs import KisiStub

STATUSES = ["active", "contact", "former", "removed"]


def client_for(stub: KisiStub, *, timeout: float = 2.0) -> KisiClient:
    return KisiClient(
        stub.url,
        api_key=stub.api_key,
        group_id=stub.group_id,
        timeout=timeout,
        allow_private_hosts=True,
    )


def test_active_former_active(kisi: KisiStub) -> None:
    email = "ada@example.com"
    with client_for(kisi) as client:
        client.push(make_person(status="active"), idempotency_key="evt-1")
        assert len(kisi.assignments_for(email)) == 1
        client.push(make_person(status="active"), idempotency_key="evt-1")  # a retry
        assert len(kisi.assignments_for(email)) == 1

        client.push(make_person(status="former"), idempotency_key="evt-2")
        assert kisi.assignments_for(email) == []
        assert not kisi.has_access(email)

        client.push(make_person(status="active"), idempotency_key="evt-3")
        (assignment,) = kisi.assignments_for(email)
    assert assignment["role_id"] == "group_basic"
    assert len(kisi.users) == 1  # the user is reused, not re-created
    user = kisi.user(email)
    assert user is not None and user["name"] == "Ada Lovelace" and user["send_emails"] is False


def test_auth_header_format(kisi: KisiStub) -> None:
    with client_for(kisi) as client:
        client.push(make_person(), idempotency_key="evt-1")
    assert {r.header("authorization") for r in kisi.requests} == {f"KISI-LOGIN {kisi.api_key}"}


def test_revoking_an_unknown_member_is_a_no_op(kisi: KisiStub) -> None:
    with client_for(kisi) as client:
        client.push(make_person(status="removed"), idempotency_key="evt-1")
    assert kisi.users == []
    assert [r.method for r in kisi.requests] == ["GET"]


def test_revoke_removes_duplicates_but_not_other_groups(kisi: KisiStub) -> None:
    email = "ada@example.com"
    kisi.add_assignment(email, kisi.group_id)
    kisi.add_assignment(email, kisi.group_id, role_id="group_manager")
    kisi.add_assignment(email, 777)  # another location's group: not ours to touch
    with client_for(kisi) as client:
        client.push(make_person(status="contact"), idempotency_key="evt-1")
    assert not kisi.has_access(email)
    assert kisi.has_access(email, group_id=777)


def test_delete_404_counts_as_done(kisi: KisiStub) -> None:
    kisi.add_assignment("ada@example.com", kisi.group_id)
    kisi.fail_next(status=404, method="DELETE")  # someone removed it in between
    with client_for(kisi) as client:
        client.push(make_person(status="former"), idempotency_key="evt-1")
    assert [r.method for r in kisi.requests] == ["GET", "GET", "DELETE"]


def test_email_is_matched_case_insensitively(kisi: KisiStub) -> None:
    kisi.add_assignment("ADA@example.com", kisi.group_id)
    with client_for(kisi) as client:
        client.push(make_person(status="active"), idempotency_key="evt-1")
        assert len(kisi.assignments_for("ada@example.com")) == 1
        client.push(make_person(status="former"), idempotency_key="evt-2")
    assert not kisi.has_access("ada@example.com")
    assert len(kisi.users) == 1


def test_timeout_on_grant_then_retry_gives_one_assignment(kisi: KisiStub) -> None:
    kisi.fail_next(hang=LATE, method="POST", path="/role_assignments")
    with client_for(kisi, timeout=FAST_TIMEOUT) as client:
        with pytest.raises(DeliveryError) as info:
            client.push(make_person(), idempotency_key="evt-1")
        assert not info.value.permanent
        kisi.wait_idle()
        client.push(make_person(), idempotency_key="evt-1")
    assert len(kisi.assignments_for("ada@example.com")) == 1


def test_failure_half_way_is_finished_by_the_retry(kisi: KisiStub) -> None:
    kisi.fail_next(status=503, retry_after=1, path="/role_assignments")
    with client_for(kisi) as client:
        with pytest.raises(DeliveryError) as info:
            client.push(make_person(), idempotency_key="evt-1")
        assert info.value.retry_after == 1.0
        assert kisi.user("ada@example.com") is not None  # created before the failure
        assert not kisi.has_access("ada@example.com")
        client.push(make_person(), idempotency_key="evt-1")
    assert len(kisi.users) == 1
    assert kisi.has_access("ada@example.com")


@pytest.fixture(scope="module")
def shared_kisi() -> Iterator[KisiStub]:
    with KisiStub() as stub:
        yield stub


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    statuses=st.lists(st.sampled_from(STATUSES), min_size=1, max_size=8),
    retried=st.lists(st.booleans(), min_size=8, max_size=8),
)
def test_access_iff_last_status_is_active(
    shared_kisi: KisiStub, statuses: list[str], retried: list[bool]
) -> None:
    shared_kisi.reset()
    email = "grace@example.com"
    with client_for(shared_kisi) as client:
        for index, status in enumerate(statuses):
            person = make_person(email=email, status=status)
            client.push(person, idempotency_key=f"evt-{index}")
            if retried[index]:  # a redelivery of the same event changes nothing
                client.push(person, idempotency_key=f"evt-{index}")
            assignments = shared_kisi.assignments_for(email)
            assert len(assignments) == (1 if status == "active" else 0)
    assert shared_kisi.has_access(email) == (statuses[-1] == "active")
    assert len(shared_kisi.users) == (1 if "active" in statuses else 0)


def test_malformed_remote_answer_is_transient(kisi: KisiStub) -> None:
    kisi.fail_next(status=200, body=[{"email": "ada@example.com"}], path="/users")  # no id
    with client_for(kisi) as client, pytest.raises(DeliveryError) as info:
        client.push(make_person(), idempotency_key="evt-1")
    assert not info.value.permanent
    assert "unexpected response" in str(info.value)


def test_a_changed_role_replaces_the_assignment_without_a_gap(kisi: KisiStub) -> None:
    email = "ada@example.com"
    with client_for(kisi) as client:
        client.push(make_person(email=email, status="active"), idempotency_key="k1")
    kisi.add_assignment(email, 777)  # another group: not ours to touch
    managers = KisiClient(
        kisi.url,
        api_key=kisi.api_key,
        group_id=kisi.group_id,
        role_id="group_manager",
        allow_private_hosts=True,
    )
    before = len(kisi.requests)
    with managers:
        managers.push(make_person(email=email, status="active"), idempotency_key="k2")
        # Made before the old one went: the doors never closed in between.
        methods = [r.method for r in kisi.requests[before:]]
        assert methods == ["GET", "GET", "POST", "DELETE"]
        [assignment] = kisi.assignments_for(email)
        assert assignment["role_id"] == "group_manager"
        managers.push(make_person(email=email, status="active"), idempotency_key="k3")
    assert [a["role_id"] for a in kisi.assignments_for(email)] == ["group_manager"]
    assert kisi.has_access(email, group_id=777)
    with client_for(kisi) as client:  # back to the default role
        client.push(make_person(email=email, status="active"), idempotency_key="k4")
    assert [a["role_id"] for a in kisi.assignments_for(email)] == ["group_basic"]


# -- built from a connection's stored credentials ----------------------------------------


def test_kisi_role_is_a_connection_setting(kisi):
    credentials = {**kisi.credentials, "role_id": "group_manager"}
    with registry.get("kisi").build_client(
        kisi.url, credentials, allow_private_hosts=True
    ) as client:
        client.push(make_person(), idempotency_key="k")
    [assignment] = kisi.assignments_for("ada@example.com")
    assert assignment["role_id"] == "group_manager"


def test_a_group_id_from_the_form_becomes_an_integer() -> None:
    vendor = registry.get("kisi")
    with vendor.build_client("https://remote.test", {"api_key": "k", "group_id": " 12 "}) as c:
        assert c.group_id == 12  # type: ignore[attr-defined]
