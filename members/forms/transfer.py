"""Moving a member to another location."""

from django import forms
from django.utils.translation import gettext_lazy

from organizations.models import Location


class TransferForm(forms.Form):
    to_location = forms.ModelChoiceField(
        label=gettext_lazy("New home location"), queryset=Location.objects.none()
    )

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_location"].queryset = locations
