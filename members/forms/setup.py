"""The operator's own set-up (issue 13): a location, a plan, a membership.

Limits come from the columns (members/fields.py); the rules that need the
database (a plan offered here, an archived location) are the actions',
whose messages land at the field.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.fields import column_field
from members.models import Membership, Plan
from organizations.models import Location
from organizations.time_zones import validate_time_zone


class LocationForm(forms.Form):
    name = column_field(Location, "name", label=_("Name"))
    address = column_field(Location, "address", label=_("Address"))
    time_zone = column_field(
        Location,
        "time_zone",
        label=_("Time zone"),
        help_text=_("An IANA name such as Europe/Berlin. Leave empty to use the organization's."),
    )
    door_group = column_field(Location, "door_group", label=_("Door-access group"))
    printing_group = column_field(Location, "printing_group", label=_("Printing group"))

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"].strip()
        if value:
            validate_time_zone(value)
        return value


class PlanForm(forms.Form):
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.none(),
        help_text=_("Where the plan is sold; it cannot move later."),
    )
    name = column_field(Plan, "name", label=_("Name"))
    price = column_field(Plan, "price", label=_("Price"), min_value=0)
    billing_period = column_field(Plan, "billing_period", label=_("Billing period"))
    gives_door_access = column_field(Plan, "gives_door_access")
    gives_printing_access = column_field(Plan, "gives_printing_access")

    def __init__(self, *args, locations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if locations is None:
            # Editing: the location stays what it is.
            del self.fields["location"]
        else:
            self.fields["location"].queryset = locations


class MembershipForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.none())
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_("End date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Its last day. Leave empty for a membership that runs on."),
    )
    seats = column_field(
        Membership,
        "seats",
        label=_("Seats"),
        help_text=_("How many of the company's members it covers. Leave empty not to count."),
    )

    def __init__(self, *args, plans, company: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        if not company:
            del self.fields["seats"]


class MembershipEndForm(forms.Form):
    when = forms.ChoiceField(
        label=_("End"),
        choices=[("now", _("Now (yesterday was its last day)")), ("date", _("On a date"))],
        widget=forms.RadioSelect,
        initial="now",
    )
    end_date = forms.DateField(
        label=_("Last day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("when") == "date" and not data.get("end_date"):
            self.add_error("end_date", _("Give the membership's last day."))
        return data
