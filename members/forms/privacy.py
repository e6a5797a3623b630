"""The member's privacy choices: what others in the portal see (R5)."""

from django import forms
from django.utils.translation import gettext_lazy

PRIVACY_CHOICES = [
    ("", gettext_lazy("Space default")),
    ("show", gettext_lazy("Show")),
    ("hide", gettext_lazy("Hide")),
]


class PrivacyForm(forms.Form):
    # Say what the choice does where it has an effect (members/privacy.py):
    # members see each other on their company's page and the team page.
    show_email = forms.ChoiceField(
        label=gettext_lazy("Show my email to other members"),
        choices=PRIVACY_CHOICES,
        required=False,
        help_text=gettext_lazy(
            "Your company's members see it where you appear in the member portal, "
            "e.g. as its contact or billing person. Your company's contact person, billing "
            "person and managers see it whatever you choose: they need it to manage the team."
        ),
    )
    show_phone = forms.ChoiceField(
        label=gettext_lazy("Show my phone to other members"),
        choices=PRIVACY_CHOICES,
        required=False,
        help_text=gettext_lazy(
            "Shown where your company's members, its contact person and managers "
            "included, see you in the member portal."
        ),
    )

    @staticmethod
    def to_choice(value):
        return "" if value is None else ("show" if value else "hide")

    @staticmethod
    def from_choice(value):
        return None if not value else value == "show"
