"""What reaches the remotes when a member's email changes or their account is
deleted; connection health; private addresses refused. Real HTTP to the
stubs; tasks inline (eager), as in test_pipeline."""

import dataclasses
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from integrations.models import Delivery, DeliveryStatus, OutboxEvent, RemoteAddress
from integrations.outbox import MemberEvent, record_member_event
from integrations.selectors import connections_with_health
from integrations.services import (
    KIND as DELIVERIES,
)
from integrations.services import (
    connection_save,
    delivery_retry,
    outbox_fan_out,
    resync_connection,
)
from integrations.vendors import registry
from members.actions.personal_data import account_delete, member_update_details
from members.actions.status import member_change_status
from members.models import Member, MemberStatus
from outbox.engine import sweep_due
from tests import factories as f

from .conftest import connect

pytestmark = pytest.mark.django_db

OLD, NEW = "ada@old.example.test", "ada@new.example.test"


@pytest.fixture
def ada(cast):
    return f.MemberFactory(location=cast.harbour, company=cast.acme, email=OLD, first_name="Ada")


# -- a changed email ---------------------------------------------------------------


def test_crm_email_change_moves_the_contact_instead_of_duplicating(
    cast, run, ada, hubspot, capsule
):
    connect(cast.org, hubspot)
    connect(cast.org, capsule)
    run(member_change_status, member=ada, status=MemberStatus.CONTACT, via="admin")
    run(member_update_details, member=ada, actor=cast.owner, email=NEW)
    run(member_change_status, member=ada, status=MemberStatus.FORMER, via="admin")

    assert {email: c["properties"]["member_status"] for email, c in hubspot.contacts.items()} == {
        NEW: "former"
    }
    assert hubspot.created_count == 1
    [party] = capsule.parties
    assert [e["address"] for e in party["emailAddresses"]] == [NEW]
    assert capsule.tags_of(NEW) == ["Member: Former"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}


def test_every_address_tried_is_revoked_and_erased_not_only_the_last_sent(
    cast, run, ada, kisi, hubspot
):
    """An attempt under a middle address failed after the remote had acted
    (its answer was lost): the next change revokes door access under it as
    well, and the account deletion erases the CRM contact under it too."""
    mid = "ada@mid.example.test"
    connect(cast.org, kisi)
    crm = connect(cast.org, hubspot)
    run(record_member_event, member=ada, event=MemberEvent.UPDATED)
    assert kisi.has_access(OLD) and hubspot.contact(OLD)

    kisi.fail_next(400, method="POST", path="/users")
    hubspot.fail_next(400)
    run(member_update_details, member=ada, actor=cast.owner, email=mid)
    assert Delivery.objects.filter(status=DeliveryStatus.DEAD).count() == 2
    # What the attempts under mid had done before their answers were lost:
    kisi.add_assignment(mid, kisi.group_id)
    stray = dataclasses.replace(make_person_like(ada), email=mid)
    vendor = registry.get("hubspot")
    with vendor.build_client(crm.base_url, crm.credentials, allow_private_hosts=True) as c:
        c.push(stray, idempotency_key="lost")

    run(member_update_details, member=ada, actor=cast.owner, email=NEW)
    assert kisi.has_access(NEW)
    assert not kisi.has_access(OLD) and not kisi.has_access(mid)

    user = f.UserFactory(email=NEW)  # she signs up, then deletes her account
    Member.objects.filter(pk=ada.pk).update(user=user)
    run(account_delete, user=user)
    assert hubspot.contact(mid) is None and hubspot.contact(NEW) is None
    assert hubspot.contacts == {}


def make_person_like(member):
    from integrations.snapshots import member_snapshot, person_from_snapshot

    return person_from_snapshot(member_snapshot(member.pk))


# -- account deletion (R5.3) -------------------------------------------------------


def test_account_deletion_deletes_the_crm_contact_and_revokes_access(
    cast, run, hubspot, capsule, kisi
):
    for stub in (hubspot, capsule, kisi):
        connect(cast.org, stub)
    tess = cast.teammate
    email = tess.email
    run(member_change_status, member=tess, status=MemberStatus.ACTIVE, via="admin")
    run(record_member_event, member=tess, event=MemberEvent.UPDATED)
    assert hubspot.contact(email) and capsule.person(email) and kisi.has_access(email)

    run(account_delete, user=tess.user)

    assert hubspot.contacts == {} and [c["properties"]["email"] for c in hubspot.archived] == [
        email
    ]
    assert capsule.parties_with_email(email) == []
    assert not kisi.has_access(email)
    removal = Delivery.objects.filter(event__event=MemberEvent.REMOVED)
    notes = {d.connection.kind: (d.status, d.last_error) for d in removal}
    assert notes["hubspot"] == (DeliveryStatus.SUCCEEDED, "")
    assert notes["capsule"] == (DeliveryStatus.SUCCEEDED, "")
    assert notes["kisi"][0] == DeliveryStatus.SKIPPED
    assert "Access under the previous address" in notes["kisi"][1]
    assert email not in notes["kisi"][1]  # the log keeps nothing of what was erased


def test_account_deletion_leaves_no_personal_data_in_events_or_finished_deliveries(
    cast, run, hubspot, kisi
):
    """Earlier events lose name, email and phone at once; the address each
    system was sent goes once the erase reached that system; a dead erase
    keeps it until "Retry now" erases."""
    crm, _ = connect(cast.org, hubspot), connect(cast.org, kisi)
    tess = cast.teammate
    email, name = tess.email, tess.first_name
    run(record_member_event, member=tess, event=MemberEvent.UPDATED)
    hubspot.fail_next(400, method="DELETE")  # the CRM refuses the first erase

    run(account_delete, user=tess.user)

    payloads = json.dumps(list(OutboxEvent.objects.values_list("payload", flat=True)))
    assert email not in payloads and name not in payloads
    assert '"status"' in payloads  # the history stays
    kisi_sent = RemoteAddress.objects.filter(connection__kind="kisi", member_ref=tess.pk)
    assert not kisi_sent.exists()
    assert not kisi.has_access(email)
    crm_sent = RemoteAddress.objects.filter(connection=crm)
    [dead] = Delivery.objects.filter(connection=crm, status=DeliveryStatus.DEAD)
    assert list(crm_sent.values_list("email", flat=True)) == [email]  # kept for the retry
    assert hubspot.contact(email)

    run(delivery_retry, delivery=dead)
    assert hubspot.contacts == {}
    assert not crm_sent.exists()


def test_account_deleted_before_anything_was_sent_skips_the_crm_honestly(cast, run, hubspot):
    connect(cast.org, hubspot)
    run(account_delete, user=cast.teammate.user)
    [delivery] = Delivery.objects.all()
    assert delivery.status == DeliveryStatus.SKIPPED
    assert "Access" not in delivery.last_error and "deleted their account" in delivery.last_error
    assert hubspot.requests == []


# -- health ------------------------------------------------------------------------


def _health(cast):
    return {c.name: c for c in connections_with_health(organization=cast.org)}


def test_failures_then_success_still_count_as_failures_in_the_last_hour(cast, run, ada, hubspot):
    connect(cast.org, hubspot, name="CRM")
    hubspot.fail_next(500, times=2)
    run(member_change_status, member=ada, status=MemberStatus.FORMER, via="admin")
    for _ in range(2):
        Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        run(sweep_due, DELIVERIES, grace=0)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 3
    health = _health(cast)["CRM"]
    assert health.failures_last_hour == 1
    assert health.last_success_at == delivery.succeeded_at

    Delivery.objects.update(last_failed_at=timezone.now() - timedelta(minutes=61))
    assert _health(cast)["CRM"].failures_last_hour == 0


def test_a_skipped_delivery_is_not_a_success(cast, run, kisi):
    connect(cast.org, kisi, name="Doors")
    nobody = f.MemberFactory(location=cast.harbour, email="")
    run(member_change_status, member=nobody, status=MemberStatus.FORMER, via="admin")
    assert Delivery.objects.get().status == DeliveryStatus.SKIPPED
    assert _health(cast)["Doors"].last_success_at is None


@pytest.mark.parametrize("size", [1, 6])
def test_health_figures_and_queries_do_not_grow_with_connections_or_deliveries(
    cast, client, kisi, hubspot, size, django_assert_max_num_queries
):
    connections = [connect(cast.org, kisi, name=f"Doors {i}") for i in range(size)]
    connections.append(connect(cast.org, hubspot, name="CRM"))
    now = timezone.now()
    for member in f.MemberFactory.create_batch(size * 5, location=cast.harbour):
        member_change_status(member=member, status=MemberStatus.FORMER, via="admin")
        outbox_fan_out(event_id=member.outbox_events.get().pk)
    deliveries = Delivery.objects.filter(connection=connections[0]).order_by("pk")
    pks = list(deliveries.values_list("pk", flat=True))
    # Made by hand: succeeded after a failure, failed long ago, skipped, dead.
    Delivery.objects.filter(pk=pks[0]).update(
        status=DeliveryStatus.SUCCEEDED,
        succeeded_at=now - timedelta(minutes=5),
        last_failed_at=now - timedelta(minutes=6),
    )
    Delivery.objects.filter(pk=pks[1]).update(
        status=DeliveryStatus.SUCCEEDED,
        succeeded_at=now - timedelta(hours=2),
        last_failed_at=now - timedelta(hours=3),
    )
    Delivery.objects.filter(pk=pks[2]).update(status=DeliveryStatus.SKIPPED, succeeded_at=now)
    Delivery.objects.filter(pk=pks[3]).update(
        status=DeliveryStatus.DEAD, last_failed_at=now - timedelta(minutes=1)
    )

    health = _health(cast)
    first = health["Doors 0"]
    assert first.last_success_at == now - timedelta(minutes=5)
    assert first.failures_last_hour == 2
    assert first.dead_count == 1
    assert first.waiting_count == size * 5 - 4
    assert health["CRM"].failures_last_hour == 0 and health["CRM"].last_success_at is None

    client.force_login(cast.owner)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("integrations:connections", args=[cast.org.slug]))
    assert page.status_code == 200 and page.content.count(b"Needs attention") == 1


# -- private addresses (SSRF) --------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["http://127.0.0.1:8080", "http://10.0.0.7", "http://169.254.169.254/latest", "http://[::1]"],
)
def test_a_connection_to_a_private_address_is_refused_with_a_field_message(cast, settings, address):
    settings.INTEGRATIONS_ALLOW_PRIVATE_HOSTS = False
    with pytest.raises(ValidationError) as info:
        connection_save(
            organization=cast.org,
            kind="webhook",
            name="Internal",
            base_url=address,
            credentials={"secret": "s3cret-value"},
        )
    assert "private or local network" in info.value.message_dict["base_url"][0]


def test_the_form_shows_the_refusal_on_the_address_field(client, cast, settings):
    settings.INTEGRATIONS_ALLOW_PRIVATE_HOSTS = False
    client.force_login(cast.owner)
    page = client.post(
        reverse("integrations:connection_add", args=[cast.org.slug, "webhook"]),
        {"name": "Metadata", "base_url": "http://169.254.169.254/", "secret": "x" * 20},
    )
    assert page.status_code == 200
    assert "private or local network" in page.context["form"].errors["base_url"][0]
    assert not cast.org.integration_connections.exists()


def test_a_private_address_is_refused_again_at_send_time(cast, run, ada, webhook, settings):
    connect(cast.org, webhook)  # saved while allowed (or DNS changed since)
    settings.INTEGRATIONS_ALLOW_PRIVATE_HOSTS = False
    run(member_change_status, member=ada, status=MemberStatus.FORMER, via="admin")
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DEAD
    assert "not a public address" in delivery.last_error
    assert webhook.requests == []


def test_kisi_role_is_set_on_the_connection_form_and_used(client, cast, run, ada, kisi):
    client.force_login(cast.owner)
    response = client.post(
        reverse("integrations:connection_add", args=[cast.org.slug, "kisi"]),
        {
            "name": "Doors",
            "base_url": kisi.url,
            "api_key": kisi.api_key,
            "group_id": str(kisi.group_id),
            "role_id": "group_manager",
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.content
    run(member_change_status, member=ada, status=MemberStatus.ACTIVE, via="admin")
    run(record_member_event, member=ada, event=MemberEvent.UPDATED)
    [assignment] = kisi.assignments_for(OLD)
    assert assignment["role_id"] == "group_manager"
    page = client.get(
        reverse(
            "integrations:connection_edit",
            args=[cast.org.slug, Delivery.objects.first().connection_id],
        )
    )
    assert b'value="group_manager"' in page.content


def _save(connection, **changes):
    fields = {"name": connection.name, "base_url": connection.base_url, "enabled": True}
    return connection_save(
        organization=connection.organization,
        kind=connection.kind,
        credentials={},
        connection=connection,
        **{**fields, **changes},
    )


def test_a_connection_whose_address_is_refused_now_can_still_be_switched_off(
    cast, webhook, settings
):
    """Saved while allowed, or its host's DNS changed (or stopped resolving)
    since: the admin can still switch it off and rename it; switching it back
    on, or a new address, is checked again."""
    connection = connect(cast.org, webhook)
    settings.INTEGRATIONS_ALLOW_PRIVATE_HOSTS = False

    _save(connection, enabled=False)
    _save(connection, enabled=False, name="Old webhook")
    connection.refresh_from_db()
    assert (connection.enabled, connection.name) == (False, "Old webhook")

    for changes in ({"enabled": True}, {"enabled": False, "base_url": "http://10.0.0.9"}):
        with pytest.raises(ValidationError) as info:
            _save(connection, **changes)
        assert "private or local network" in info.value.message_dict["base_url"][0]
    connection.refresh_from_db()
    assert connection.enabled is False


def test_a_changed_kisi_role_applies_on_resync_and_can_be_cleared(cast, run, ada, kisi):
    """The admin changes the role and resyncs: members get the new role (not a
    second assignment). Clearing the field goes back to the default role."""
    doors = connect(cast.org, kisi)
    assert ada.status == MemberStatus.ACTIVE
    run(record_member_event, member=ada, event=MemberEvent.UPDATED)
    assert [a["role_id"] for a in kisi.assignments_for(OLD)] == ["group_basic"]

    fields = {"organization": cast.org, "kind": "kisi", "name": doors.name}
    fields["base_url"] = doors.base_url
    connection_save(**fields, connection=doors, credentials={"role_id": "group_manager"})
    run(resync_connection, connection=doors)
    assert [a["role_id"] for a in kisi.assignments_for(OLD)] == ["group_manager"]

    connection_save(**fields, connection=doors, credentials={"api_key": "", "role_id": ""})
    doors.refresh_from_db()
    assert "role_id" not in doors.credentials  # cleared, where a secret would be kept
    assert doors.credentials["api_key"] == kisi.api_key
    run(resync_connection, connection=doors)
    assert [a["role_id"] for a in kisi.assignments_for(OLD)] == ["group_basic"]
