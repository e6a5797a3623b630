"""Upgrading an installation with rows in it (integrations 0004, 0005, 0006)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets=None):
    """To ``targets``; by default back to the latest of every app."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_sent_addresses_become_remote_addresses(cast):
    """What the deliveries had noted as sent: the addresses the code before
    would still revoke or erase become ``RemoteAddress`` rows, and nothing
    more (an address a door system was told to forget long ago is not
    revoked again)."""
    apps = _migrate([("integrations", "0003_delivery_enqueued_at")])
    try:
        Connection = apps.get_model("integrations", "Connection")
        OutboxEvent = apps.get_model("integrations", "OutboxEvent")
        Delivery = apps.get_model("integrations", "Delivery")
        org = cast.org.pk
        doors = Connection.objects.create(organization_id=org, kind="kisi", name="Doors")
        crm = Connection.objects.create(organization_id=org, kind="hubspot", name="CRM")
        hook = Connection.objects.create(organization_id=org, kind="webhook", name="Hook")
        sent = [
            ("a@old.test", "succeeded"),
            ("a@mid.test", "succeeded"),  # the last success: revoked a@old
            ("A@Mid.test", "failed"),  # the same address, another case
            ("a@new.test", "dead"),
        ]
        for email, status in sent:
            event = OutboxEvent.objects.create(organization_id=org, member_ref=7, event="x")
            for conn in (doors, crm, hook):
                Delivery.objects.create(
                    organization_id=org,
                    event=event,
                    connection=conn,
                    member_ref=7,
                    status=status,
                    sent_email=email,
                )
    finally:
        apps = _migrate()
    RemoteAddress = apps.get_model("integrations", "RemoteAddress")

    def remembered(conn):
        return sorted(RemoteAddress.objects.filter(connection_id=conn.pk).values_list("email"))

    assert remembered(doors) == [("A@Mid.test",), ("a@new.test",)]
    assert remembered(crm) == [("A@Mid.test",), ("a@new.test",), ("a@old.test",)]
    assert remembered(hook) == []


def test_existing_events_are_numbered_per_member_in_the_order_recorded(cast):
    apps = _migrate([("integrations", "0004_remote_address")])
    try:
        OutboxEvent = apps.get_model("integrations", "OutboxEvent")
        for member_ref in (7, 8, 7, 7, 8):
            OutboxEvent.objects.create(
                organization_id=cast.org.pk, member_ref=member_ref, event="x"
            )
    finally:
        apps = _migrate()
    OutboxEvent = apps.get_model("integrations", "OutboxEvent")
    numbered = OutboxEvent.objects.order_by("pk").values_list("member_ref", "sequence")
    assert list(numbered) == [(7, 1), (8, 1), (7, 2), (7, 3), (8, 2)]


def test_connections_keep_their_kind_once_the_registry_lists_the_kinds(cast):
    """0006: the kinds come from integrations/vendors/ instead of a list in
    the migration and a CHECK constraint; the stored values stay as they are."""
    kinds = ["hubspot", "capsule", "kisi", "papercut", "webhook"]
    apps = _migrate([("integrations", "0005_outbox_event_sequence")])
    try:
        Connection = apps.get_model("integrations", "Connection")
        for kind in kinds:
            Connection.objects.create(organization_id=cast.org.pk, kind=kind, name=kind)
    finally:
        apps = _migrate()
    Connection = apps.get_model("integrations", "Connection")
    assert [(c.kind, c.get_kind_display()) for c in Connection.objects.order_by("pk")] == [
        ("hubspot", "HubSpot (CRM)"),
        ("capsule", "Capsule (CRM)"),
        ("kisi", "Kisi (door access)"),
        ("papercut", "PaperCut (printing)"),
        ("webhook", "Signed webhook"),
    ]
