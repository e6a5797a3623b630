"""The vendors' words (labels, where to find a key) in the reader's language.

``integrations/vendors`` is plain Python without Django
(tests/integrations/vendors/test_registry.py), so its words are English
there. They are marked for translation here, and translated where the
admin portal shows them: ``vendor_text`` in the connection form and views,
the ``vendor_text`` filter in templates. A test checks that every vendor's
word is listed.
"""

from django.utils.translation import gettext, gettext_noop

WORDS = frozenset(
    {
        gettext_noop("HubSpot (CRM)"),
        gettext_noop("Private app access token"),
        gettext_noop("HubSpot → Settings → Integrations → Private apps."),
        gettext_noop("Capsule (CRM)"),
        gettext_noop("API token"),
        gettext_noop("Capsule → My Preferences → API Authentication Tokens."),
        gettext_noop("Kisi (door access)"),
        gettext_noop("API key"),
        gettext_noop("Kisi → Organization → API keys."),
        gettext_noop("Group ID"),
        gettext_noop("The Kisi group whose doors active members may open."),
        gettext_noop("Role in the group"),
        gettext_noop(
            "The Kisi role active members get: group_basic (the default) opens the group's doors."
        ),
        gettext_noop("PaperCut (printing)"),
        gettext_noop("Web services auth token"),
        gettext_noop("PaperCut → Options → Advanced → auth.webservices."),
        gettext_noop("Signed webhook"),
        gettext_noop("Endpoint URL"),
        gettext_noop("Where we POST each change (https://…)."),
        gettext_noop("Signing secret"),
        gettext_noop(
            "Copy it to your receiver now: it is not shown again. The "
            "receiver checks each request's signature with it (Standard "
            "Webhooks). Or paste your own: whsec_ and base64, or any long"
            " random string."
        ),
    }
)


def vendor_text(text: str | None) -> str | None:
    return gettext(text) if text else text
