from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.fields import column_field, single_line

from .models import Connection
from .vendor_words import vendor_text
from .vendors import registry


class ConnectionForm(forms.Form):
    """Name, address and the vendor's credentials. Secrets are never shown back:
    on edit an empty field keeps the stored value (R3.5)."""

    name = column_field(Connection, "name")
    base_url = column_field(Connection, "base_url", assume_scheme="https")
    enabled = forms.BooleanField(
        required=False,
        initial=True,
        help_text=gettext_lazy("Off: changes wait here and are sent once it is switched on again."),
    )

    def __init__(self, *args, kind: str, connection: Connection | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.connection = connection
        vendor = registry.get(kind)
        if vendor.base_url_label:
            self.fields["base_url"].label = vendor_text(vendor.base_url_label)
        if vendor.base_url_help:
            self.fields["base_url"].help_text = vendor_text(vendor.base_url_help)
        if connection is None:
            self.initial.setdefault("base_url", vendor.default_base_url)
        hints = connection.credential_hints() if connection else {}
        self.credential_fields = []
        for credential in vendor.credentials:
            key, help_text = credential.key, vendor_text(credential.help_text)
            offered = connection is None and credential.suggest is not None
            if connection is not None and key in hints:
                if credential.secret:
                    help_text = _("Stored: %(key)s. Leave empty to keep it.") % {"key": hints[key]}
                else:
                    self.initial.setdefault(key, hints[key])
            if offered:
                self.initial.setdefault(key, credential.suggest())
            self.fields[key] = forms.CharField(
                label=vendor_text(credential.label),
                help_text=help_text,
                required=not credential.optional and (connection is None or not credential.secret),
                widget=(
                    forms.PasswordInput(render_value=False)
                    if credential.secret and not offered
                    else forms.TextInput()
                ),
                strip=True,
                # Sent in HTTP headers and URLs, where a line break is a new header.
                validators=[single_line, *_checked(credential)],
            )
            self.credential_fields.append(key)

    def credentials(self) -> dict:
        return {key: self.cleaned_data.get(key, "") for key in self.credential_fields}


def _checked(credential) -> list:
    """The vendor's own check as a form validator (vendors know no Django)."""
    if credential.check is None:
        return []

    def validate(value):
        try:
            credential.check(value)
        except ValueError as error:
            raise ValidationError(f"{str(error)[:1].upper()}{str(error)[1:]}.") from None

    return [validate]
