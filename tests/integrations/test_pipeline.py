"""The pipeline in-process (eager tasks, on-commit callbacks run): rules that
do not need a real worker. Real HTTP to the stubs throughout."""

import hashlib
import hmac
import json
import os
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection as db_connection
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from integrations.models import UNFINISHED, Connection, Delivery, DeliveryStatus, OutboxEvent
from integrations.outbox import MemberEvent, record_member_event
from integrations.services import (
    KIND as DELIVERIES,
)
from integrations.services import (
    delivery_retry,
    outbox_fan_out,
    resync_connection,
)
from members.actions.records import member_create
from members.actions.status import member_change_status
from members.models import MemberStatus
from outbox.engine import sweep_due
from tests import factories as f
from tests.stubs import KisiStub

from .conftest import connect

pytestmark = pytest.mark.django_db


def test_event_commits_with_the_change_and_not_without_it(cast):
    with pytest.raises(RuntimeError), transaction.atomic():
        member_change_status(member=cast.teammate, status=MemberStatus.FORMER, via="admin")
        raise RuntimeError("the change rolls back")
    assert not OutboxEvent.objects.exists()
    member_change_status(member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    event = OutboxEvent.objects.get()
    assert event.event == MemberEvent.STATUS_CHANGED
    assert event.payload["status"] == "former" and event.payload["email"] == cast.teammate.email


def test_create_and_status_changes_reach_crm_door_and_printing(
    cast, run, hubspot, capsule, kisi, papercut
):
    for stub in (hubspot, capsule, kisi, papercut):
        connect(cast.org, stub)
    member = run(
        member_create,
        organization=cast.org,
        location=cast.harbour,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.test",
        company=cast.acme,
    )
    assert kisi.has_access("ada@example.test") and papercut.can_print("ada@example.test")
    assert hubspot.contact("ada@example.test")["company"] == "Acme"
    assert capsule.tags_of("ada@example.test") == ["Member: Active"]

    run(member_change_status, member=member, status=MemberStatus.CONTACT, via="admin")
    assert not kisi.has_access("ada@example.test")
    assert not papercut.can_print("ada@example.test")
    assert hubspot.contact("ada@example.test")["member_status"] == "contact"
    assert capsule.tags_of("ada@example.test") == ["Member: Contact"]
    assert hubspot.created_count == 1 and len(capsule.parties) == 1


def test_removal_revokes_access_whatever_the_status(cast, run, kisi):
    connect(cast.org, kisi)
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    run(member_change_status, member=cast.teammate, status=MemberStatus.ACTIVE, via="admin")
    assert kisi.has_access(cast.teammate.email)
    run(record_member_event, member=cast.teammate, event=MemberEvent.REMOVED)
    assert not kisi.has_access(cast.teammate.email)


def test_email_change_revokes_access_under_the_old_address(cast, run, kisi):
    connect(cast.org, kisi)
    run(record_member_event, member=cast.teammate, event=MemberEvent.UPDATED)
    old = cast.teammate.email
    assert kisi.has_access(old)
    cast.teammate.email = "tess.new@example.test"
    cast.teammate.save(update_fields=["email"])  # stands in for the personal-data action
    run(record_member_event, member=cast.teammate, event=MemberEvent.UPDATED)
    assert not kisi.has_access(old)
    assert kisi.has_access("tess.new@example.test")


def test_a_deleted_account_without_email_loses_access(cast, run, kisi, hubspot):
    connect(cast.org, kisi)
    connect(cast.org, hubspot)
    run(record_member_event, member=cast.teammate, event=MemberEvent.UPDATED)
    old = cast.teammate.email
    cast.teammate.email = ""
    cast.teammate.save(update_fields=["email"])
    run(record_member_event, member=cast.teammate, event=MemberEvent.UPDATED)
    assert not kisi.has_access(old)
    skipped = Delivery.objects.filter(status=DeliveryStatus.SKIPPED)
    assert {d.connection.kind for d in skipped} == {"kisi", "hubspot"}


def test_a_later_change_waits_for_an_earlier_unfinished_one(cast, run, kisi):
    """Per-member order: while the first delivery is retrying, the second is
    not sent; once the first goes, the second follows."""
    connect(cast.org, kisi)
    kisi.fail_next(500, times=1)
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    first = Delivery.objects.get()
    assert first.status == DeliveryStatus.FAILED
    run(member_change_status, member=cast.teammate, status=MemberStatus.ACTIVE, via="admin")
    second = Delivery.objects.exclude(pk=first.pk).get()
    assert second.status == DeliveryStatus.PENDING, "overtook an unfinished earlier delivery"

    Delivery.objects.filter(pk=first.pk).update(next_attempt_at=first.created_at)
    run(sweep_due, DELIVERIES, grace=0)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    assert kisi.has_access(cast.teammate.email)


def test_an_event_not_fanned_out_yet_holds_later_deliveries(cast, kisi, fast_pipeline):
    """Broker down for the first change, up for the second: the second waits."""
    from integrations.services import delivery_attempt

    connect(cast.org, kisi)
    member_change_status(member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    member_change_status(member=cast.teammate, status=MemberStatus.ACTIVE, via="admin")
    first, second = OutboxEvent.objects.order_by("pk")
    [later] = outbox_fan_out(event_id=second.pk)
    assert delivery_attempt(delivery_id=later) == "busy"
    outbox_fan_out(event_id=first.pk)
    assert Delivery.objects.get(pk=later).status == DeliveryStatus.PENDING


def test_permanent_error_is_dead_at_once_and_visible(cast, run, hubspot):
    connection = connect(cast.org, hubspot)
    connection.set_credentials({"access_token": "wrong-token"})
    connection.save()
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == 1
    assert "401" in delivery.last_error


def test_retry_budget_ends_in_dead_letter_and_admin_retry_revives(cast, run, hubspot):
    connect(cast.org, hubspot)
    hubspot.fail_next(503, times=10)
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    for _ in range(5):
        Delivery.objects.update(next_attempt_at=Delivery.objects.get().created_at)
        run(sweep_due, DELIVERIES, grace=0)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.attempts == 4  # fast_pipeline's budget
    assert delivery.last_error.startswith("Gave up after 4 attempts")

    hubspot.reset()  # the remote is fixed
    run(delivery_retry, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert hubspot.contact(cast.teammate.email)["member_status"] == "former"


def test_resync_connection_pushes_everyone_to_a_new_connection(cast, run, kisi):
    f.MemberFactory.create_batch(3, location=cast.mill, status=MemberStatus.FORMER)
    connection = connect(cast.org, kisi)
    count = run(resync_connection, connection=connection)
    assert count == 7  # the cast's 4 members of this organization + 3
    active = [cast.contact, cast.billing, cast.teammate, cast.globex_contact]
    assert all(kisi.has_access(m.email) for m in active)
    assert not OutboxEvent.objects.filter(organization=cast.other_org).exists()


def test_webhook_still_carries_the_old_signature_for_one_release(cast, run, webhook):
    """Standard Webhooks headers are checked in test_standard_webhooks.py;
    receivers of X-Flex-Signature keep working until the next release."""
    connect(cast.org, webhook)
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    [request] = webhook.requests
    timestamp = request.header("x-flex-timestamp")
    assert timestamp == request.header("webhook-timestamp")
    # The algorithm as the old docs state it, recomputed by hand.
    expected = hmac.new(
        webhook.secret.encode(), f"{timestamp}.".encode() + request.raw, hashlib.sha256
    ).hexdigest()
    assert request.header("x-flex-signature") == f"v1={expected}"
    body = json.loads(request.raw)
    assert body["type"] == "member.status_changed" and body["data"]["status"] == "former"
    assert body["id"] == request.header("idempotency-key") == Delivery.objects.get().idempotency_key


def test_a_receiver_with_another_secret_rejects_and_the_delivery_is_dead(cast, run, webhook):
    connection = connect(cast.org, webhook)
    connection.set_credentials({"secret": "not-the-receivers-secret"})
    connection.save()
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    assert webhook.deliveries[0].verified is False
    assert Delivery.objects.get().status == DeliveryStatus.DEAD


@pytest.mark.django_db(transaction=True)
def test_secrets_are_not_in_the_database_dump_in_plain_text(
    cast, hubspot, capsule, kisi, papercut, webhook, django_capture_on_commit_callbacks, caplog
):
    """R3.5, over the whole database: every kind's secret, after deliveries that
    succeeded and ones whose remote echoed the secret back in its error."""
    stubs = (hubspot, capsule, kisi, papercut, webhook)
    secrets = {
        "hubspot": "pat-na1-hubspot-secret-0001",
        "capsule": "capsule-secret-token-0002",
        "kisi": "kisi-secret-api-key-0003",
        "papercut": "papercut-secret-auth-0004",
        "webhook": "webhook-signing-secret-0005",
    }
    hubspot.access_token, capsule.api_token = secrets["hubspot"], secrets["capsule"]
    kisi.api_key, papercut.auth_token = secrets["kisi"], secrets["papercut"]
    webhook.secret = secrets["webhook"]
    for stub in stubs:
        connect(cast.org, stub)
        # A careless remote quoting the credential it was given in its error.
        stub.fail_next(400, body={"message": f"bad request for token {_secret_of(stub)}"})
    with django_capture_on_commit_callbacks(execute=True):
        member_change_status(member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    dead = Delivery.objects.filter(status=DeliveryStatus.DEAD)
    assert dead.count() == 5 and all("400" in d.last_error for d in dead)
    with django_capture_on_commit_callbacks(execute=True):
        for delivery in dead:
            delivery_retry(delivery=delivery)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}

    dump = _database_dump()
    assert "integrations_connection" in dump or '"integrations.connection"' in dump
    assert "gAAAA" in dump  # the credentials are there, as Fernet tokens
    for kind, secret in secrets.items():
        assert secret not in dump, f"{kind} secret readable in the database dump"
        assert secret not in caplog.text, f"{kind} secret in the logs"
    assert Connection.objects.get(kind="kisi").credentials["api_key"] == secrets["kisi"]


def _secret_of(stub):
    return next(str(v) for k, v in stub.credentials.items() if k != "group_id")


def _database_dump() -> str:
    """``pg_dump`` of the whole database on PostgreSQL, else ``dumpdata`` of everything."""
    if db_connection.vendor == "postgresql":
        db = db_connection.settings_dict
        env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
        command = ["pg_dump", "--data-only", "-h", db["HOST"] or "127.0.0.1"]
        command += ["-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    out = StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def door_stub():
    # One server for every hypothesis example; reset() between them.
    with KisiStub() as stub:
        yield stub


# The strategy queues at most this many 500s; every failed attempt uses one up,
# so a single delivery can fail at most this often before the remote recovers.
MAX_FAULTS = 12


def _run_door_scenario(cast, door_stub, capture, settings, steps, flaky):
    # One more attempt than the faults the scenario can inject: nothing may
    # end dead because the test ran out of budget rather than the remote.
    settings.INTEGRATIONS_MAX_ATTEMPTS = MAX_FAULTS + 1
    door_stub.reset()
    Connection.objects.filter(organization=cast.org).delete()
    connect(cast.org, door_stub, name="Doors")
    people = f.MemberFactory.create_batch(3, location=cast.harbour, status=MemberStatus.CONTACT)
    for (index, status), fail in zip(steps, flaky + [False] * len(steps), strict=False):
        if fail:
            door_stub.fail_next(500)
        with capture(execute=True):
            member_change_status(member=people[index], status=status, via="admin")
    # The remote recovers; sweep until whatever was retrying has gone out.
    for _ in range(100):
        unfinished = Delivery.objects.filter(status__in=UNFINISHED)
        if not unfinished.exists():
            break
        unfinished.filter(status=DeliveryStatus.FAILED).update(next_attempt_at=cast.org.created_at)
        with capture(execute=True):
            sweep_due(DELIVERIES, grace=0)
    statuses = list(Delivery.objects.values_list("status", flat=True))
    assert set(statuses) <= {DeliveryStatus.SUCCEEDED, DeliveryStatus.SKIPPED}, statuses
    for person in people:
        person.refresh_from_db()
        assert door_stub.has_access(person.email) == (person.status == MemberStatus.ACTIVE)
        assert len(door_stub.assignments_for(person.email)) <= 1


@hyp_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(MemberStatus.values)),
        min_size=1,
        max_size=MAX_FAULTS,
    ),
    flaky=st.lists(st.booleans(), max_size=MAX_FAULTS),
)
def test_door_ends_with_access_for_active_members_only(
    cast, door_stub, django_capture_on_commit_callbacks, fast_pipeline, steps, flaky
):
    _run_door_scenario(
        cast, door_stub, django_capture_on_commit_callbacks, fast_pipeline, steps, flaky
    )


def test_door_worst_case_every_change_of_one_member_faulted(
    cast, door_stub, django_capture_on_commit_callbacks, fast_pipeline
):
    """The strategy's worst case (found by review): twelve alternating changes
    of one member, each with a 500 queued, all landing on the first delivery."""
    steps = [(0, status) for status in [MemberStatus.FORMER, MemberStatus.ACTIVE] * 6]
    _run_door_scenario(
        cast, door_stub, django_capture_on_commit_callbacks, fast_pipeline, steps, [True] * 12
    )
