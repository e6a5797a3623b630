"""In production any provider works by settings alone (django-anymail):
a branded email goes out through Mailgun's API, here a local stand-in, as
text with its HTML alternative and the operator's sender name."""

from urllib.parse import parse_qs

import pytest
from django.core import mail

from config.settings.base import anymail_settings
from emails.render import branded_email
from tests.stubs.base import Response, StubServer

pytestmark = pytest.mark.django_db


class MailgunStub(StubServer):
    stub_name = "mailgun"

    def reset_state(self) -> None:
        pass

    def parse_body(self, raw, headers):
        return raw  # multipart/form-data: read in the test

    def handle(self, request):
        return Response(200, {"id": "<1@stub>", "message": "Queued. Thank you."})


def test_anymail_settings_come_from_the_environment():
    environment = {
        "ANYMAIL_MAILGUN_API_KEY": "key-123",
        "ANYMAIL_MAILGUN_SENDER_DOMAIN": "mg.example.test",
        "EMAIL_URL": "smtp://x",
    }
    assert anymail_settings(environment) == {
        "MAILGUN_API_KEY": "key-123",
        "MAILGUN_SENDER_DOMAIN": "mg.example.test",
    }


def test_a_branded_email_through_mailgun(cast, settings):
    with MailgunStub() as stub:
        settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
        settings.ANYMAIL = {
            "MAILGUN_API_KEY": "key-123",
            "MAILGUN_SENDER_DOMAIN": "mg.example.test",
            "MAILGUN_API_URL": stub.url + "/v3",
        }
        message = branded_email(
            "members/email/invitation",
            {"member": cast.teammate, "cta_url": "https://x.test/go/", "hours": 24},
            to=[cast.teammate.email],
            organization=cast.org,
            location=cast.harbour,
            connection=mail.get_connection(),
        )
        assert message.send() == 1
        (request,) = stub.requests
    assert request.path == "/v3/mg.example.test/messages"
    form = parse_qs(request.raw.decode())
    assert form["from"] == ["Northwind <no-reply@localhost>"]
    assert form["to"] == [cast.teammate.email]
    assert "https://x.test/go/" in form["text"][0]
    assert 'href="https://x.test/go/"' in form["html"][0]
