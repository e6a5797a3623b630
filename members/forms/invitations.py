"""Forms for inviting one person or many (R4.1, R4.3)."""

from django import forms
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from companies.models import Company, CompanyLocation
from companies.policy import new_member_refusal
from members.actions.mass_invite import COLUMNS, MAX_ROWS, check_paste_length
from organizations.models import Location
from organizations.permissions import MANAGE_CUSTOMERS, MANAGE_SETTINGS

from ..fields import column_field
from ..models import Member


class InviteForm(forms.Form):
    """Invite one person (R4.1). Locations and companies are the admin's own."""

    first_name = column_field(Member, "first_name")
    last_name = column_field(Member, "last_name")
    email = column_field(Member, "email", required=True)  # the invitation goes there
    phone = column_field(Member, "phone")
    location = forms.ModelChoiceField(queryset=Location.objects.none())
    company = forms.ModelChoiceField(
        queryset=Company.objects.none(),
        required=False,
        help_text=gettext_lazy("Optional. The company must be at the chosen location."),
    )
    is_manager = forms.BooleanField(
        label=gettext_lazy("Company manager"),
        required=False,
        help_text=gettext_lazy("Manages the company's details."),
    )
    as_admin = forms.BooleanField(
        label=gettext_lazy("Administrator"),
        required=False,
        help_text=gettext_lazy(
            "Also give this person the admin portal, with the permissions below."
        ),
    )
    admin_permissions = forms.MultipleChoiceField(
        label=gettext_lazy("Admin permissions"),
        required=False,
        choices=[
            (MANAGE_CUSTOMERS, gettext_lazy("Manage customers")),
            (MANAGE_SETTINGS, gettext_lazy("Manage settings")),
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    admin_locations = forms.ModelMultipleChoiceField(
        label=gettext_lazy("At locations"),
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, locations, companies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations
        self.fields["admin_locations"].queryset = locations
        self.fields["company"].queryset = companies.prefetch_related(
            Prefetch(
                "company_locations", queryset=CompanyLocation.objects.select_related("location")
            )
        )
        self.fields["company"].label_from_instance = lambda c: (
            f"{c.name} ({', '.join(row.location.name for row in c.company_locations.all())})"
        )

    def clean(self):
        data = super().clean()
        company, location = data.get("company"), data.get("location")
        refusal = new_member_refusal(company, location) if company and location else None
        if refusal:
            self.add_error("company", refusal)
        if data.get("is_manager") and not company:
            self.add_error("is_manager", _("Only a member of a company can be its manager."))
        if data.get("as_admin") and not (
            data.get("admin_permissions") and data.get("admin_locations")
        ):
            self.add_error(
                "admin_permissions", _("Choose at least one permission and one location.")
            )
        return data


class MassInviteForm(forms.Form):
    rows = forms.CharField(
        label=gettext_lazy("Rows from your spreadsheet"),
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text="Columns: " + ", ".join(COLUMNS) + f". Up to {MAX_ROWS:,} rows.",
    )
    # Not max_length: the browser would enforce it as maxlength, cutting a
    # long paste without a word. The server says how long it was instead.
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "Where people without a company ID land, and those of a company at several "
            "of your locations."
        ),
    )

    #: Issue 14: invite rows beyond a company's seat cap, confirmed (recorded).
    over_seat_cap = forms.BooleanField(
        label=gettext_lazy("Go over the cap"),
        required=False,
        help_text=gettext_lazy(
            "Invite rows beyond a company's seat cap too. It is recorded in the company's history."
        ),
    )

    def __init__(self, *args, locations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if locations is None:
            del self.fields["location"]
        else:
            self.fields["location"].queryset = locations
            if locations.count() == 1:
                self.fields["location"].initial = locations.first()

    def clean_rows(self):
        rows = self.cleaned_data["rows"]
        check_paste_length(rows)
        return rows
