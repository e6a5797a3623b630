"""PaperCut (printing): active members may print, others not (see ``client.py``).

Self-hosted, so there is no default address: ``https://<papercut-server>:9192``.
"""

from ..base import Credential, Vendor
from ..categories import ACCESS
from .client import PaperCutClient

VENDOR = Vendor(
    kind="papercut",
    label="PaperCut (printing)",
    category=ACCESS,
    client=PaperCutClient,
    credentials=(
        Credential(
            "auth_token",
            "Web services auth token",
            "PaperCut → Options → Advanced → auth.webservices.",
        ),
    ),
)
