"""HubSpot (CRM): one contact per member, upserted by email (see ``client.py``)."""

from ..base import Credential, Vendor
from ..categories import CRM
from .client import HubSpotClient

VENDOR = Vendor(
    kind="hubspot",
    label="HubSpot (CRM)",
    category=CRM,
    client=HubSpotClient,
    default_base_url="https://api.hubapi.com",
    # HubSpot private apps: 100 requests per 10 seconds (burst limit).
    rate_limit=(100, 10.0),
    credentials=(
        Credential(
            "access_token",
            "Private app access token",
            "HubSpot → Settings → Integrations → Private apps.",
        ),
    ),
)
