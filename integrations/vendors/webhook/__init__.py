"""A signed webhook: each change POSTed as JSON to the organization's endpoint
(``client.py``), signed as ``signing.py`` describes for receivers."""

from ..base import Credential, Vendor
from ..categories import WEBHOOK
from . import signing
from .client import WebhookClient

VENDOR = Vendor(
    kind="webhook",
    label="Signed webhook",
    category=WEBHOOK,
    client=WebhookClient,
    base_url_label="Endpoint URL",
    base_url_help="Where we POST each change (https://…).",
    credentials=(
        Credential(
            "secret",
            "Signing secret",
            "Copy it to your receiver now: it is not shown again. The receiver checks "
            "each request's signature with it (Standard Webhooks). Or paste your own: "
            "whsec_ and base64, or any long random string.",
            suggest=signing.generate_secret,
            check=signing.key_bytes,
        ),
    ),
)
