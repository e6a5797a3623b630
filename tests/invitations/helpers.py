import re

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
