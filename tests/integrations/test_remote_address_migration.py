"""Upgrading keeps what the deliveries had noted as sent (integrations 0004):
the addresses the code before it would still revoke or erase become
``RemoteAddress`` rows, and nothing more (an address a door system was told
to forget long ago is not revoked again)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("integrations", "0003_delivery_enqueued_at")]
AFTER = [("integrations", "0004_remote_address")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_sent_addresses_become_remote_addresses(cast):
    apps = _migrate(BEFORE)
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
        apps = _migrate(AFTER)
    RemoteAddress = apps.get_model("integrations", "RemoteAddress")

    def remembered(conn):
        return sorted(RemoteAddress.objects.filter(connection_id=conn.pk).values_list("email"))

    assert remembered(doors) == [("A@Mid.test",), ("a@new.test",)]
    assert remembered(crm) == [("A@Mid.test",), ("a@new.test",), ("a@old.test",)]
    assert remembered(hook) == []
