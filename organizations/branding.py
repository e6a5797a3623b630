"""What an operator's brand looks like wherever it is shown: the portals'
header and colours, and every email (emails/render.py).

"Flex Community" is only the product's name for what belongs to no
organization: the sign-in pages, the error pages, an email to a login that
belongs to none (or to several).
"""

import posixpath
import re
from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.urls import reverse

from .colours import ink_on, text_beside
from .models import Organization

PRODUCT_NAME = "Flex Community"
DEFAULT_ACCENT = "#2f5bd3"


@dataclass(frozen=True)
class Brand:
    name: str
    accent: str = DEFAULT_ACCENT
    #: The logo's path on this site ("" without one).
    logo_path: str = ""
    is_organization: bool = False

    @property
    def accent_ink(self) -> str:
        return ink_on(self.accent)

    @property
    def accent_text(self) -> str:
        return text_beside(self.accent)

    @property
    def custom_colours(self) -> bool:
        return self.accent != DEFAULT_ACCENT

    @property
    def logo_url(self) -> str:
        """Absolute, for emails (read with no request)."""
        return settings.SITE_URL + self.logo_path if self.logo_path else ""

    @property
    def sender(self) -> str:
        """The From header: the operator's name with the installation's
        address. The name goes through formataddr (quoted, RFC 2047 for
        non-ASCII) after every line break and control character became a
        space, so no name can add a header."""
        if not self.is_organization:
            return settings.DEFAULT_FROM_EMAIL
        address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        return formataddr((one_line(self.name), address))


PRODUCT = Brand(name=PRODUCT_NAME)


#: What breaks a header line: the C0 and C1 controls and the line and
#: paragraph separators.
LINE_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` as one header-safe line: control characters (line breaks
    included) and runs of spaces become one space."""
    return " ".join(LINE_BREAKING.sub(" ", text).split())


def brand_of(organization: Organization | None) -> Brand:
    if organization is None:
        return PRODUCT
    logo_path = ""
    if organization.logo:
        logo_path = reverse(
            "organization_logo",
            kwargs={
                "org_slug": organization.slug,
                "name": posixpath.basename(organization.logo.name),
            },
        )
    return Brand(
        name=organization.name,
        accent=organization.accent_colour or DEFAULT_ACCENT,
        logo_path=logo_path,
        is_organization=True,
    )
