"""A signed webhook: each change POSTed as JSON to the organization's endpoint
(``client.py``), signed as ``signing.py`` describes for receivers."""

from ..base import Credential, Vendor
from ..categories import WEBHOOK
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
            "Any long random string; the receiver uses it to check the signature.",
        ),
    ),
)
