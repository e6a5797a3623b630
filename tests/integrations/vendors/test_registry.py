"""The vendor registry is the only list of vendors.

Everything that differs by vendor (the kinds a connection can have, their
labels, default addresses, credential fields and which are secret, the client,
how a change is pushed) is read from ``integrations.vendors.registry``. The
proof: a vendor made up here and registered with one line is offered in the
admin portal, connected through its form and delivered to by the pipeline,
with nothing else changed, not even a migration.
"""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Unpack
from urllib.parse import quote, unquote

import pytest
from django.core.management import call_command
from django.urls import reverse

from integrations.forms import ConnectionForm
from integrations.http import BaseClient, Client, ClientOptions, ConfigurationError, Person
from integrations.http.base import require_credential, require_email
from integrations.models import Connection, Delivery, DeliveryStatus
from integrations.outbox import MemberEvent, record_member_event
from integrations.vendors import registry
from integrations.vendors.base import Credential, Vendor
from integrations.vendors.categories import ACCESS, CRM, WEBHOOK
from members.actions.status import member_change_status
from members.models import MemberStatus
from tests.stubs import STUBS, RecordedRequest, Response, StubServer

ROOT = Path(__file__).resolve().parents[3]

CREDENTIALS = {
    "hubspot": {"access_token": "sekrit-1"},
    "capsule": {"api_token": "sekrit-2"},
    "kisi": {"api_key": "sekrit-3", "group_id": "12"},
    "papercut": {"auth_token": "sekrit-4"},
    "webhook": {"secret": "sekrit-5"},
}


# -- the five vendors ------------------------------------------------------------------


def test_every_vendor_once_in_the_order_the_portal_offers_them() -> None:
    # These are Connection.kind values stored in the database: they never change.
    assert [vendor.kind for vendor in registry] == [
        "hubspot",
        "capsule",
        "kisi",
        "papercut",
        "webhook",
    ]
    assert registry.choices() == [
        ("hubspot", "HubSpot (CRM)"),
        ("capsule", "Capsule (CRM)"),
        ("kisi", "Kisi (door access)"),
        ("papercut", "PaperCut (printing)"),
        ("webhook", "Signed webhook"),
    ]
    assert {vendor.kind: vendor.category for vendor in registry} == {
        "hubspot": CRM,
        "capsule": CRM,
        "kisi": ACCESS,
        "papercut": ACCESS,
        "webhook": WEBHOOK,
    }
    assert {vendor.kind: vendor.default_base_url for vendor in registry} == {
        "hubspot": "https://api.hubapi.com",
        "capsule": "https://api.capsulecrm.com",
        "kisi": "https://api.kisi.io",
        "papercut": "",  # self-hosted
        "webhook": "",  # the receiver's endpoint
    }


def test_credentials_which_are_required_and_which_are_secret() -> None:
    assert {vendor.kind: vendor.required_keys for vendor in registry} == {
        kind: tuple(credentials) for kind, credentials in CREDENTIALS.items()
    }
    kisi = registry.get("kisi")
    assert kisi.optional_keys == ("role_id",)
    assert [c.key for c in kisi.credentials if not c.secret] == ["group_id", "role_id"]
    assert all(c.secret for v in registry if v.kind != "kisi" for c in v.credentials)
    assert all(c.label and c.help_text for v in registry for c in v.credentials)
    # A key no vendor declares (metadata stored beside the secrets) is never shown.
    assert kisi.is_secret("note") and not kisi.is_secret("group_id")


def test_every_kind_fits_the_column_and_the_url() -> None:
    column = Connection._meta.get_field("kind").max_length
    for vendor in registry:
        assert len(vendor.kind) <= column
        reverse("integrations:connection_add", args=["org", vendor.kind])


def test_every_vendor_has_a_stub_so_the_fault_tests_cover_it() -> None:
    assert list(STUBS) == [vendor.kind for vendor in registry]


@pytest.mark.parametrize("kind", sorted(CREDENTIALS))
def test_build_client_returns_the_vendors_client(kind: str) -> None:
    vendor = registry.get(kind)
    credentials = {**CREDENTIALS[kind], "note": "extra keys are ignored"}
    with vendor.build_client("https://remote.test/hook", credentials) as client:
        assert type(client) is vendor.client
        assert isinstance(client, Client)
        assert "sekrit" not in repr(client)


@pytest.mark.parametrize("kind", sorted(CREDENTIALS))
def test_missing_credentials_are_a_configuration_error(kind: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        registry.get(kind).build_client("https://remote.test", {})
    assert info.value.permanent


def test_an_empty_credential_is_missing() -> None:
    with pytest.raises(ConfigurationError, match="group_id"):
        registry.get("kisi").build_client("https://remote.test", {"api_key": "k", "group_id": ""})


def test_an_unknown_kind_is_a_configuration_error() -> None:
    """A connection whose vendor is gone from the code: its deliveries die
    with this message instead of crashing the worker."""
    assert "salesforce" not in registry and registry.find("salesforce") is None
    with pytest.raises(ConfigurationError, match="unknown integration kind 'salesforce'"):
        registry.get("salesforce")


@pytest.mark.parametrize("url", ["", "remote.test", "ftp://remote.test"])
def test_a_bad_base_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError):
        registry.get("hubspot").build_client(url, {"access_token": "t"})


def test_a_kind_is_registered_once() -> None:
    with pytest.raises(ValueError, match="hubspot"):
        registry.register(registry.get("hubspot"))


@pytest.mark.parametrize("kind", ["", "Chime", "chime doors", "chime/doors", "9chime"])
def test_a_kind_must_be_a_short_lower_case_name(kind: str) -> None:
    with pytest.raises(ValueError):
        Vendor(kind=kind, label="x", category=ACCESS, client=BaseClient, credentials=())


def test_the_vendors_import_no_django() -> None:
    """Clients and vendor descriptions are plain Python (testable and usable
    without Django), which is also what lets the models read the registry."""
    code = (
        "import sys, integrations.vendors; "
        "sys.exit(', '.join(m for m in sys.modules if m.split('.')[0] == 'django') or None)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# -- a vendor made up here ---------------------------------------------------------------


class ChimeStub(StubServer):
    """A made-up door system: ``PUT /doors/<email>`` with ``{"open": true|false}``."""

    stub_name = "chime"
    api_key = "chime-key"

    def reset_state(self) -> None:
        self.doors: dict[str, bool] = {}

    def handle(self, request: RecordedRequest) -> Response:
        if request.header("authorization") != f"Token {self.api_key}":
            return Response(401, {"message": "bad key"})
        if request.method != "PUT" or not request.path.startswith("/doors/"):
            return Response(404)
        self.doors[unquote(request.path.removeprefix("/doors/"))] = request.body["open"]
        return Response(204)


class ChimeClient(BaseClient):
    kind = "chime"

    def __init__(self, base_url: str, api_key: str, **options: Unpack[ClientOptions]) -> None:
        key = require_credential(self.kind, "api_key", api_key)
        super().__init__(base_url, headers={"Authorization": f"Token {key}"}, **options)

    def push(self, person: Person, *, idempotency_key: str) -> None:
        email = quote(require_email(person), safe="@")
        self._send("PUT", f"/doors/{email}", json={"open": person.is_active})


CHIME = Vendor(
    kind="chime",
    label="Chime (door access)",
    category=ACCESS,
    client=ChimeClient,
    default_base_url="https://api.chime.example",
    credentials=(Credential("api_key", "Chime API key", "Chime → Settings → API."),),
)


@pytest.fixture
def chime():
    with ChimeStub() as stub:
        yield stub


@pytest.fixture
def chime_registered():
    registry.register(CHIME)  # the one line
    try:
        yield CHIME
    finally:
        registry.unregister(CHIME.kind)


def connections_url(org) -> str:
    return reverse("integrations:connections", args=[org.slug])


def add_url(org, kind: str) -> str:
    return reverse("integrations:connection_add", args=[org.slug, kind])


@pytest.mark.django_db
def test_an_unregistered_vendor_is_not_offered(client, cast) -> None:
    client.force_login(cast.owner)
    assert "Chime" not in client.get(connections_url(cast.org)).content.decode()
    assert client.get(add_url(cast.org, "chime")).status_code == 404


@pytest.mark.django_db
def test_a_registered_vendor_is_offered_connected_and_delivered_to(
    client, cast, run, chime, chime_registered
) -> None:
    client.force_login(cast.owner)
    page = client.get(connections_url(cast.org)).content.decode()
    assert "Chime (door access)" in page and add_url(cast.org, "chime") in page

    form = client.get(add_url(cast.org, "chime")).content.decode()
    assert "Chime API key" in form and "https://api.chime.example" in form
    assert 'type="password" name="api_key"' in form
    answer = client.post(
        add_url(cast.org, "chime"),
        {"name": "Front door", "base_url": chime.url, "enabled": "on", "api_key": chime.api_key},
    )
    assert answer.status_code == 302
    connection = Connection.objects.get(organization=cast.org, kind="chime")
    assert str(connection) == "Front door (Chime (door access))"
    assert connection.credential_hints() == {"api_key": "••••-key"}

    # Its category decides what is sent: access for active members only …
    run(member_change_status, member=cast.teammate, status=MemberStatus.FORMER, via="admin")
    run(member_change_status, member=cast.teammate, status=MemberStatus.ACTIVE, via="admin")
    old = cast.teammate.email
    assert chime.doors == {old: True}
    # … and taken back under an earlier address when the email changes.
    cast.teammate.email = "tess.new@example.test"
    cast.teammate.save(update_fields=["email"])  # stands in for the personal-data action
    run(record_member_event, member=cast.teammate, event=MemberEvent.UPDATED)
    assert chime.doors == {old: False, "tess.new@example.test": True}
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}

    # The edit form shows the stored secret's hint, never the secret.
    edit = client.get(reverse("integrations:connection_edit", args=[cast.org.slug, connection.pk]))
    assert chime.api_key not in edit.content.decode()


@pytest.mark.django_db
def test_a_registered_vendor_needs_no_migration(chime_registered) -> None:
    """Connection.kind's choices are read from the registry when asked; the
    migration records where, not what."""
    assert ("chime", "Chime (door access)") in Connection._meta.get_field("kind").choices
    out = StringIO()
    call_command("makemigrations", "integrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_form_follows_the_vendor(chime_registered) -> None:
    form = ConnectionForm(kind="chime")
    assert list(form.fields) == ["name", "base_url", "enabled", "api_key"]
    assert form.fields["api_key"].label == "Chime API key"
    assert form.fields["api_key"].required
    assert form.initial["base_url"] == "https://api.chime.example"
    webhook = ConnectionForm(kind="webhook")
    assert webhook.fields["base_url"].label == "Endpoint URL"
    assert not webhook.initial.get("base_url")
