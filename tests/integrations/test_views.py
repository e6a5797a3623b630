"""Admin portal pages for integrations: permissions, tenancy, secrets shown
back, bounded queries (R1.1, R3.4, R3.5, R7.2, R7.3)."""

import pytest
from django.urls import reverse

from integrations.models import Connection, Delivery, DeliveryStatus
from members.actions.status import member_change_status
from members.models import MemberStatus
from tests import factories as f

from .conftest import connect

pytestmark = pytest.mark.django_db


def url(name, org, *args):
    return reverse(f"integrations:{name}", args=[org.slug, *args])


@pytest.fixture
def hook(cast, webhook):
    return connect(cast.org, webhook, name="Warehouse")


@pytest.fixture
def dead(cast, hook):
    member_change_status(member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    from integrations.services import outbox_fan_out

    outbox_fan_out(event_id=cast.teammate.outbox_events.get().pk)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD, last_error="boom")
    return delivery


def test_owner_sees_health_and_log(client, cast, hook, dead):
    client.force_login(cast.owner)
    page = client.get(url("connections", cast.org))
    assert page.status_code == 200
    assert b"Warehouse" in page.content and b"Needs attention" in page.content
    log = client.get(url("deliveries", cast.org), {"status": "dead"})
    assert b"boom" in log.content and b"Retry now" in log.content


def test_admin_without_settings_permission_cannot_manage(client, cast, hook, dead):
    client.force_login(cast.mill_admin)
    assert client.get(url("connections", cast.org)).status_code == 403
    assert client.get(url("connection_edit", cast.org, hook.pk)).status_code == 403
    assert client.post(url("connection_add", cast.org, "kisi"), {"name": "x"}).status_code == 403
    assert client.post(url("delivery_retry", cast.org, dead.pk)).status_code == 403
    assert client.post(url("connection_resync", cast.org, hook.pk)).status_code == 403
    assert Delivery.objects.get().status == DeliveryStatus.DEAD
    assert Connection.objects.count() == 1


@pytest.mark.parametrize(
    "name,method",
    [
        ("connection_edit", "get"),
        ("connection_edit", "post"),
        ("connection_resync", "post"),
        ("delivery_retry", "post"),
        ("member_resync", "post"),
    ],
)
def test_another_organizations_admin_gets_404(client, cast, hook, dead, name, method):
    client.force_login(cast.other_admin)
    target = {"member_resync": cast.teammate.pk, "delivery_retry": dead.pk}.get(name, hook.pk)
    # Through their own organization's URL …
    assert getattr(client, method)(url(name, cast.other_org, target)).status_code == 404
    # … and through ours.
    assert getattr(client, method)(url(name, cast.org, target)).status_code == 404
    assert Delivery.objects.get().status == DeliveryStatus.DEAD


def test_log_filter_rejects_another_organizations_connection(client, cast, hook, dead, kisi):
    foreign = connect(cast.other_org, kisi)
    client.force_login(cast.other_admin)
    page = client.get(url("deliveries", cast.other_org), {"connection": hook.pk})
    assert b"Select a valid choice" in page.content
    assert b"Warehouse" not in page.content
    assert foreign.pk


def test_retry_and_resync(client, cast, hook, dead, webhook, django_capture_on_commit_callbacks):
    client.force_login(cast.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("delivery_retry", cast.org, dead.pk))
    assert response.status_code == 302
    dead.refresh_from_db()
    assert dead.status == DeliveryStatus.SUCCEEDED  # tasks run inline in unit tests
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("member_resync", cast.org, cast.teammate.pk))
        client.post(url("connection_resync", cast.org, hook.pk))
    assert len(webhook.unique_deliveries()) == 1 + 1 + 4


def test_create_and_edit_never_show_the_secret(client, cast, kisi):
    client.force_login(cast.owner)
    response = client.post(
        url("connection_add", cast.org, "kisi"),
        {
            "name": "Doors",
            "base_url": kisi.url,
            "api_key": "sk_live_abcdefgh1234",
            "group_id": "42",
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.content
    connection = Connection.objects.get()
    page = client.get(url("connection_edit", cast.org, connection.pk))
    assert b"sk_live_abcdefgh1234" not in page.content
    assert "••••1234".encode() in page.content
    # Saving with the secret left empty keeps it.
    client.post(
        url("connection_edit", cast.org, connection.pk),
        {"name": "Front doors", "base_url": kisi.url, "api_key": "", "group_id": "42"},
    )
    connection.refresh_from_db()
    assert connection.name == "Front doors" and not connection.enabled
    assert connection.credentials == {"api_key": "sk_live_abcdefgh1234", "group_id": "42"}


@pytest.mark.parametrize("rows", [3, 30])
def test_pages_have_bounded_queries(
    client, cast, kisi, webhook, rows, django_assert_max_num_queries
):
    connect(cast.org, kisi)
    connect(cast.org, webhook)
    from integrations.services import outbox_fan_out

    for member in f.MemberFactory.create_batch(rows, location=cast.harbour):
        member_change_status(member=member, status=MemberStatus.FORMER, via="admin")
        outbox_fan_out(event_id=member.outbox_events.get().pk)
    client.force_login(cast.owner)
    with django_assert_max_num_queries(12):
        assert client.get(url("connections", cast.org)).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(url("deliveries", cast.org)).status_code == 200


def test_member_page_offers_resync_to_settings_admins_only(client, cast, hook, webhook):
    page_url = reverse("adminportal:member", args=[cast.org.slug, cast.teammate.pk])
    resync = url("member_resync", cast.org, cast.teammate.pk).encode()
    client.force_login(cast.owner)
    assert resync in client.get(page_url).content
    client.force_login(cast.admin)  # settings at one location only, not all of them
    page = client.get(page_url)
    assert page.status_code == 200 and resync not in page.content
