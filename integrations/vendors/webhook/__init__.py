"""A signed webhook: each change POSTed as JSON to the organization's endpoint
(``client.py``), signed as ``signing.py`` describes for receivers."""

from django.utils.translation import gettext_lazy

from ..base import Credential, Vendor
from ..categories import WEBHOOK
from . import signing
from .client import WebhookClient

VENDOR = Vendor(
    kind="webhook",
    label=gettext_lazy("Signed webhook"),
    category=WEBHOOK,
    client=WebhookClient,
    base_url_label=gettext_lazy("Endpoint URL"),
    base_url_help=gettext_lazy("Where we POST each change (https://…)."),
    credentials=(
        Credential(
            "secret",
            gettext_lazy("Signing secret"),
            gettext_lazy(
                "Copy it to your receiver now: it is not shown again. The receiver checks "
                "each request's signature with it (Standard Webhooks). Or paste your own: "
                "whsec_ and base64, or any long random string."
            ),
            suggest=signing.generate_secret,
            check=signing.key_bytes,
        ),
    ),
)
