"""Kisi (door access): active members hold a role in one group (see ``client.py``)."""

from django.utils.translation import gettext_lazy

from ..base import Credential, Vendor
from ..categories import ACCESS
from .client import KisiClient

VENDOR = Vendor(
    kind="kisi",
    label=gettext_lazy("Kisi (door access)"),
    category=ACCESS,
    client=KisiClient,
    default_base_url="https://api.kisi.io",
    credentials=(
        Credential(
            "api_key", gettext_lazy("API key"), gettext_lazy("Kisi → Organization → API keys.")
        ),
        Credential(
            "group_id",
            gettext_lazy("Group ID"),
            gettext_lazy("The Kisi group whose doors active members may open."),
            secret=False,
        ),
        Credential(
            "role_id",
            gettext_lazy("Role in the group"),
            gettext_lazy(
                "The Kisi role active members get: group_basic (the default) "
                "opens the group's doors."
            ),
            secret=False,
            optional=True,
        ),
    ),
)
