"""The person's language in the portals and in their emails (issue 16)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        # Each language in its own name: whoever cannot read the current one
        # still finds theirs.
        choices=[("", _("The space's default")), *settings.LANGUAGES],
        required=False,
        help_text=_("For both portals and the emails we send you."),
    )
