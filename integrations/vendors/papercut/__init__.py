"""PaperCut (printing): active members may print, others not (see ``client.py``).

Self-hosted, so there is no default address: ``https://<papercut-server>:9192``.
"""

from django.utils.translation import gettext_lazy

from ..base import Credential, Vendor
from ..categories import ACCESS
from .client import PaperCutClient

VENDOR = Vendor(
    kind="papercut",
    label=gettext_lazy("PaperCut (printing)"),
    category=ACCESS,
    client=PaperCutClient,
    credentials=(
        Credential(
            "auth_token",
            gettext_lazy("Web services auth token"),
            gettext_lazy("PaperCut → Options → Advanced → auth.webservices."),
        ),
    ),
)
