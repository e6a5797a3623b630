"""The admin portal's company form, and the form that links a contact to
the whole company or to specific locations (issue 13, item 2; seed 004).

Limits come from the columns (members/fields.py); the rules (locations in
the organization, a location left with members, archived companies) are
companies/actions.py's, shown at the field they concern."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from companies.models import Company, CompanyLocation
from organizations.models import Location

from ..fields import column_field


class CompanyForm(forms.Form):
    name = column_field(Company, "name", label=gettext_lazy("Name"))
    email = column_field(Company, "email", label=gettext_lazy("Email"))
    phone = column_field(Company, "phone", label=gettext_lazy("Phone"))
    locations = forms.ModelMultipleChoiceField(
        queryset=Location.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Locations"),
        help_text=gettext_lazy(
            "Where the company is a customer. Each of its members works at one of these."
        ),
    )
    billing_name = column_field(Company, "billing_name", label=gettext_lazy("Legal business name"))
    billing_address = column_field(
        Company,
        "billing_address",
        label=gettext_lazy("Billing address"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tax_id = column_field(Company, "tax_id", label=gettext_lazy("Tax ID"))
    internal_notes = column_field(
        Company,
        "internal_notes",
        label=gettext_lazy("Internal notes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Seen by admins only."),
    )

    def __init__(self, *args, locations, **kwargs):
        """``locations``: where the admin may place the company (theirs)."""
        super().__init__(*args, **kwargs)
        self.fields["locations"].queryset = locations

    @classmethod
    def initial_for(cls, company: Company) -> dict:
        initial = {name: getattr(company, name) for name in cls.base_fields if name != "locations"}
        initial["locations"] = [row.location_id for row in company.company_locations.all()]
        return initial


class ContactLocationsForm(forms.Form):
    """No location ticked: the whole company (a "Client Admin"); some: those
    locations only (a "Property Manager", seed 004)."""

    locations = forms.ModelMultipleChoiceField(
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Linked to"),
        help_text=gettext_lazy(
            "Tick none to link them to the whole company. Ticked: they see and manage "
            "the team at those locations only."
        ),
    )

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locations"].queryset = locations

    def outcome(self, member) -> str:
        places = self.cleaned_data["locations"]
        if not places:
            return _("%(member)s is linked to the whole company.") % {"member": member.full_name}
        return _("%(member)s is linked to %(places)s.") % {
            "member": member.full_name,
            "places": ", ".join(place.name for place in places),
        }


class CompanySeatsForm(forms.Form):
    """The company's own cap of Active members at one location (issue 14)."""

    seats = column_field(CompanyLocation, "seats")
