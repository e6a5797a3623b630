"""Capsule (CRM): one person party per member, found by email (see ``client.py``)."""

from ..base import Credential, Vendor
from ..categories import CRM
from .client import CapsuleClient

VENDOR = Vendor(
    kind="capsule",
    label="Capsule (CRM)",
    category=CRM,
    client=CapsuleClient,
    default_base_url="https://api.capsulecrm.com",
    # Capsule: 4,000 requests per hour per user.
    rate_limit=(4000, 3600.0),
    credentials=(
        Credential(
            "api_token", "API token", "Capsule → My Preferences → API Authentication Tokens."
        ),
    ),
)
