"""Render an email in the operator's brand: (subject, text, HTML), and the
message that carries them.

An email is three templates under one prefix, as allauth names its own:
``<prefix>_subject.txt``, ``<prefix>_message.txt`` and
``<prefix>_message.html``, the last two extending ``emails/base.txt`` and
``emails/base.html``. The base shows the brand (name, logo, accent), the
location, the call to action (``cta_url`` in the context; the label is the
child's ``cta_label`` block) and when the link or code stops working
(``expires_at``), in the reader's time zone.

Each email is written in its reader's language (``reader``: the login it
goes to; their own choice, else the organization's default) and shows its
times in the location's time zone (else the organization's), whatever the
request or task that sends it runs in.
"""

import re
import zoneinfo
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from organizations.branding import brand_of, one_line
from organizations.locale import language_of, zone_of

_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")


def reader_time_zone(organization=None, location=None) -> zoneinfo.ZoneInfo:
    """The time zone an email's times are shown in, and named: the
    location's, else the organization's default, else settings.TIME_ZONE."""
    return zone_of(organization, location)


def reader_language(reader=None, organization=None) -> str:
    """The language an email to ``reader`` (a User, or None for an address
    without a login) is written in."""
    return language_of(reader, organization) or settings.LANGUAGE_CODE


def render_email(
    prefix: str,
    context: dict | None = None,
    *,
    organization=None,
    location=None,
    expires_at: datetime | None = None,
    reader=None,
) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the email ``prefix`` in
    ``organization``'s brand (the product's own without one)."""
    zone = reader_time_zone(organization, location)
    full = {
        **(context or {}),
        "brand": brand_of(organization),
        "location": location,
        "expires_at": expires_at,
        "time_zone": zone.key,
    }
    with translation.override(reader_language(reader, organization)), timezone.override(zone):
        # A header is one line, whatever a name in it holds.
        subject = one_line(render_to_string(f"{prefix}_subject.txt", full))
        text = render_to_string(f"{prefix}_message.txt", full)
        html = render_to_string(f"{prefix}_message.html", full)
    text = _BLANK_LINES.sub("\n\n", text).strip() + "\n"
    return subject, text, html


def branded_email(
    prefix: str,
    context: dict | None = None,
    *,
    to: list[str],
    organization=None,
    location=None,
    expires_at: datetime | None = None,
    reader=None,
    connection=None,
) -> EmailMultiAlternatives:
    """The email ``prefix`` to ``to``, text with an HTML alternative, from
    "<operator's name> <DEFAULT_FROM_EMAIL's address>"."""
    subject, text, html = render_email(
        prefix,
        context,
        organization=organization,
        location=location,
        expires_at=expires_at,
        reader=reader,
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=brand_of(organization).sender,
        to=to,
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message
