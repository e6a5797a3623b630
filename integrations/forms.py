from django import forms

from members.fields import column_field, single_line

from .models import DEFAULT_BASE_URLS, NON_SECRET_CREDENTIALS, Connection
from .vendors import credential_keys, optional_credential_keys

CREDENTIAL_LABELS = {
    "access_token": (
        "Private app access token",
        "HubSpot → Settings → Integrations → Private apps.",
    ),
    "api_token": ("API token", "Capsule → My Preferences → API Authentication Tokens."),
    "api_key": ("API key", "Kisi → Organization → API keys."),
    "group_id": ("Group ID", "The Kisi group whose doors active members may open."),
    "role_id": (
        "Role in the group",
        "The Kisi role active members get: group_basic (the default) opens the group's doors.",
    ),
    "auth_token": ("Web services auth token", "PaperCut → Options → Advanced → auth.webservices."),
    "secret": (
        "Signing secret",
        "Any long random string; the receiver uses it to check the signature.",
    ),
}


class ConnectionForm(forms.Form):
    """Name, address and the kind's credentials. Secrets are never shown back:
    on edit an empty field keeps the stored value (R3.5)."""

    name = column_field(Connection, "name")
    base_url = column_field(Connection, "base_url", assume_scheme="https")
    enabled = forms.BooleanField(
        required=False,
        initial=True,
        help_text="Off: changes wait here and are sent once it is switched on again.",
    )

    def __init__(self, *args, kind: str, connection: Connection | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.connection = connection
        hints = connection.credential_hints() if connection else {}
        if kind == "webhook":
            self.fields["base_url"].label = "Endpoint URL"
            self.fields["base_url"].help_text = "Where we POST each change (https://…)."
        else:
            self.fields["base_url"].help_text = "Leave as is unless the system is self-hosted."
        if connection is None:
            self.initial.setdefault("base_url", DEFAULT_BASE_URLS.get(kind, ""))
        self.credential_fields = []
        optional = set(optional_credential_keys(kind))
        for key in (*credential_keys(kind), *optional_credential_keys(kind)):
            label, help_text = CREDENTIAL_LABELS.get(key, (key, ""))
            secret = key not in NON_SECRET_CREDENTIALS
            if connection is not None and key in hints:
                if secret:
                    help_text = f"Stored: {hints[key]}. Leave empty to keep it."
                else:
                    self.initial.setdefault(key, hints[key])
            self.fields[key] = forms.CharField(
                label=label,
                help_text=help_text,
                required=key not in optional and (connection is None or not secret),
                widget=forms.PasswordInput(render_value=False) if secret else forms.TextInput(),
                strip=True,
                # Sent in HTTP headers and URLs, where a line break is a new header.
                validators=[single_line],
            )
            self.credential_fields.append(key)

    def credentials(self) -> dict:
        return {key: self.cleaned_data.get(key, "") for key in self.credential_fields}
