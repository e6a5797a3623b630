"""HubSpot (CRM): one contact per member, upserted by email (see ``client.py``)."""

from django.utils.translation import gettext_lazy

from ..base import Credential, Vendor
from ..categories import CRM
from .client import HubSpotClient

VENDOR = Vendor(
    kind="hubspot",
    label=gettext_lazy("HubSpot (CRM)"),
    category=CRM,
    client=HubSpotClient,
    default_base_url="https://api.hubapi.com",
    credentials=(
        Credential(
            "access_token",
            gettext_lazy("Private app access token"),
            gettext_lazy("HubSpot → Settings → Integrations → Private apps."),
        ),
    ),
)
