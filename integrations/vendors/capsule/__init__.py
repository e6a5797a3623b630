"""Capsule (CRM): one person party per member, found by email (see ``client.py``)."""

from django.utils.translation import gettext_lazy

from ..base import Credential, Vendor
from ..categories import CRM
from .client import CapsuleClient

VENDOR = Vendor(
    kind="capsule",
    label=gettext_lazy("Capsule (CRM)"),
    category=CRM,
    client=CapsuleClient,
    default_base_url="https://api.capsulecrm.com",
    credentials=(
        Credential(
            "api_token",
            gettext_lazy("API token"),
            gettext_lazy("Capsule → My Preferences → API Authentication Tokens."),
        ),
    ),
)
