"""Moving a member to another location."""

from django import forms

from organizations.models import Location


class TransferForm(forms.Form):
    to_location = forms.ModelChoiceField(
        label="New home location", queryset=Location.objects.none()
    )

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_location"].queryset = locations
