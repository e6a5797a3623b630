"""Kisi (door access): active members hold a role in one group (see ``client.py``)."""

from ..base import Credential, Vendor
from ..categories import ACCESS
from .client import KisiClient

VENDOR = Vendor(
    kind="kisi",
    label="Kisi (door access)",
    category=ACCESS,
    client=KisiClient,
    default_base_url="https://api.kisi.io",
    # Kisi: about 5 requests a second.
    rate_limit=(5, 1.0),
    credentials=(
        Credential("api_key", "API key", "Kisi → Organization → API keys."),
        Credential(
            "group_id",
            "Group ID",
            "The Kisi group whose doors active members may open.",
            secret=False,
        ),
        Credential(
            "role_id",
            "Role in the group",
            "The Kisi role active members get: group_basic (the default) opens the group's doors.",
            secret=False,
            optional=True,
        ),
    ),
)
