"""Moving a member to another location."""

from django import forms
from django.utils.translation import gettext_lazy

from organizations.models import Location


class TransferForm(forms.Form):
    to_location = forms.ModelChoiceField(
        label=gettext_lazy("New home location"), queryset=Location.objects.none()
    )
    #: Issue 14: an Active member keeps their company there beyond its seat cap.
    over_seat_cap = forms.BooleanField(
        label=gettext_lazy("Go over the cap"),
        required=False,
        help_text=gettext_lazy(
            "Make them Active even if their company has no seat left at their location. "
            "It is recorded in the history."
        ),
    )

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_location"].queryset = locations
