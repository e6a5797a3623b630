"""The confirmations of a whole-team move (issue 14, item 3)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from members.models import TeamMove
from organizations.models import Location

_REASON = TeamMove._meta.get_field("reason")


class _Reason(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=_REASON.max_length,
        help_text=gettext_lazy("Kept in each member's history and in the notice to the admins."),
    )


class MoveOutForm(_Reason):
    end_date = forms.DateField(
        label=gettext_lazy("Memberships end on"),
        help_text=gettext_lazy(
            "Their last day. A membership starting later is cancelled. "
            "The members become Former now."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    field_order = ["end_date", "reason"]

    @staticmethod
    def initial_end_date() -> datetime.date:
        return timezone.localdate()


class MoveTeamForm(_Reason):
    to_location = forms.ModelChoiceField(
        label=gettext_lazy("New location"), queryset=Location.objects.none()
    )
    #: Seat caps (issue 14): the Active members moving in may go over the
    #: company's cap at the new location, confirmed (recorded).
    over_seat_cap = forms.BooleanField(
        label=gettext_lazy("Go over the cap"),
        required=False,
        help_text=gettext_lazy(
            "Move the team even if its Active members do not all fit the company's seat cap "
            "at the new location. It is recorded in the company's history."
        ),
    )
    field_order = ["to_location", "reason", "over_seat_cap"]

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_location"].queryset = locations
