"""Each email in German for a German reader, HTML and text (issue 16,
item 5): the templates' every sentence comes from the catalog, the dates
are written the German way, and the expiry is in the location's zone."""

import re
from datetime import UTC, datetime
from pathlib import Path

import allauth
import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from emails.render import render_email
from members.actions.invitations import member_invite
from notifications.models import Notification
from organizations.models import Organization
from tests import factories as f

from .catalog import LOCALE, read_po

pytestmark = pytest.mark.django_db

OURS = ["members/email/invitation", "notifications/email/notification"]


def _allauth_prefixes() -> list[str]:
    root = Path(allauth.__file__).parent / "templates"
    installed = {app.split(".")[1] for app in settings.INSTALLED_APPS if app.startswith("allauth.")}
    return sorted(
        str(path.relative_to(root)).removesuffix("_message.txt")
        for path in root.glob("*/email/*_message.txt")
        if path.name != "base_message.txt" and path.parts[-3] in installed
    )


def _german_catalog() -> dict[str, str]:
    """Sentences of the catalog without placeholders, English → German."""
    return {
        e.msgid: e.msgstr[0]
        for e in read_po(LOCALE / "de" / "LC_MESSAGES" / "django.po")
        if e.msgid and e.msgid_plural is None and "%" not in e.msgid and len(e.msgid) > 12
    }


@pytest.fixture
def german(cast):
    user = cast.teammate.user
    user.language = "de"
    user.save(update_fields=["language"])
    return user


def _context(prefix, cast):
    context = {"code": "ABC123", "email": "a@b.test", "cta_url": "https://x.test/go/"}
    if prefix == "members/email/invitation":
        context.update(member=cast.teammate, hours=24, login_url="https://x.test/login/")
    if prefix == "notifications/email/notification":
        change = f.StatusChangeFactory(member=cast.teammate, actor=cast.contact.user)
        context.update(
            notification=Notification.objects.create(
                organization=cast.org,
                location=cast.harbour,
                recipient=cast.admin,
                kind=Notification.Kind.STATUS_CHANGED,
                message="changed",
                member=cast.teammate,
                status_change=change,
            ),
            change=change,
            member=cast.teammate,
        )
    return context


@pytest.mark.parametrize("prefix", OURS + _allauth_prefixes())
def test_every_email_is_in_german_for_a_german_reader(prefix, cast, german):
    expires = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
    kwargs = {"organization": cast.org, "location": cast.harbour, "expires_at": expires}
    context = _context(prefix, cast)
    english = render_email(prefix, context, **kwargs)
    deutsch = render_email(prefix, context, reader=german, **kwargs)
    assert translation.get_language() == "en"  # the caller's language is left as it was
    catalog = _german_catalog()
    said = [msgid for msgid in catalog if any(msgid in part for part in english)]
    assert said, f"{prefix}: the English email holds no catalog sentence"
    for version, text in zip(("subject", "text", "html"), deutsch, strict=True):
        assert text != english[("subject", "text", "html").index(version)], (prefix, version)
        for msgid in said:
            assert msgid not in text, f"{prefix} {version}: still English: {msgid!r}"
    for msgid in said:
        german_text = catalog[msgid].replace('"', "&quot;")
        assert any(catalog[msgid] in part or german_text in part for part in deutsch), (
            prefix,
            msgid,
        )
    if "works until" in english[1]:
        # German date, the location's zone (UTC here) named.
        assert "1. Dezember 2026 14:30 (UTC)" in deutsch[1]
        assert "1. Dezember 2026 14:30 (UTC)" in deutsch[2]


def test_the_invitation_to_a_new_person_is_in_the_organizations_language(
    cast, django_capture_on_commit_callbacks
):
    Organization.objects.filter(pk=cast.org.pk).update(language="de")
    member = f.MemberFactory(location=cast.harbour, email="nora@example.test", first_name="Nora")
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(member=member, actor=cast.admin)
    (message,) = [m for m in mail.outbox if "nora@example.test" in m.to]
    html = message.alternatives[0][0]
    assert message.subject == "Sie sind zu Northwind eingeladen"
    assert "Hallo Nora," in message.body and "Hallo Nora," in html
    assert "Los geht’s" in message.body and "Los geht’s" in html
    assert "Dieser Link gilt bis" in message.body and "Dieser Link gilt bis" in html
    assert "invited" not in message.body


def test_the_sign_in_code_is_in_the_persons_language(client, cast, german):
    client.post(reverse("account_request_login_code"), {"email": german.email})
    message = [m for m in mail.outbox if german.email in m.to][-1]
    assert message.subject == "Ihr Anmeldecode für Northwind"
    assert "Ihr Anmeldecode steht unten." in message.body
    assert "Ihr Anmeldecode steht unten." in message.alternatives[0][0]
    assert re.search(r"Dieser Code gilt bis \d{1,2}\. \w+ \d{4} \d\d:\d\d \(UTC\)", message.body)
