import re
from contextlib import contextmanager

from django.core import mail
from django.urls import reverse

LINK = re.compile(r"https?://[^/\s]+(/invitation/([A-Za-z0-9_\-]+)/)")


def last_link(to: str | None = None) -> tuple[str, str]:
    """(path, token) of the newest invitation email (to ``to``, if given)."""
    for message in reversed(mail.outbox):
        if to is None or to in message.to:
            match = LINK.search(message.body)
            if match:
                return match.group(1), match.group(2)
    raise AssertionError(f"no invitation email to {to}")


def admin_invite(client, cast, capture, *, email="newbie@example.test", **extra):
    """Invite one person through the admin portal as cast.admin; returns the response."""
    client.force_login(cast.admin)
    data = {
        "first_name": "Nora",
        "last_name": "Newbie",
        "email": email,
        "location": cast.harbour.pk,
    }
    data.update(extra)
    with capture(execute=True):
        response = client.post(reverse("adminportal:invite", args=[cast.org.slug]), data)
    client.logout()
    return response


CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


@contextmanager
def broker_at(url):
    """This process (the web side) sends tasks for real, to ``url``."""
    from config.celery import app

    conf = app.conf
    saved = conf.task_always_eager, conf.broker_url, conf.broker_write_url

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    conf.task_always_eager = False
    conf.broker_url = conf.broker_write_url = url
    reset_pools()
    try:
        yield
    finally:
        conf.task_always_eager, conf.broker_url, conf.broker_write_url = saved
        reset_pools()


def broker_down():
    """Send tasks for real, to a port nobody listens on (the shared Redis is
    never touched): what production sees while its broker is down."""
    return broker_at(CLOSED_PORT_BROKER)


class FailingMailServer:
    """An email backend whose server refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPServerDisconnected("the mail server went away")


PREVIEWED = re.compile(r'name="previewed" value="([0-9a-f]*)"')


def preview_then_invite(client, url, data):
    """Preview the paste, then press Invite as the page offers it (with the
    fingerprint of what was previewed). Returns the Invite response, or the
    preview's when it offered no Invite button."""
    preview = client.post(url, {**data, "action": "preview"})
    match = PREVIEWED.search(preview.content.decode()) if preview.status_code == 200 else None
    if match is None:
        return preview
    return client.post(url, {**data, "action": "invite", "previewed": match.group(1)})
