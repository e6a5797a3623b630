"""Forms for invitations, join requests, personal data and attachments."""

from django import forms

from companies.models import Company
from members.actions.mass_invite import COLUMNS, MAX_ROWS, check_paste_length
from organizations.models import Location
from organizations.permissions import MANAGE_CUSTOMERS, MANAGE_SETTINGS

from .fields import column_field
from .models import JoinRequest, Member
from .photo_files import MAX_PIXELS, STORED_SIDE


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
        help_text="Optional. The company must be at the chosen location.",
    )
    is_manager = forms.BooleanField(
        label="Company manager", required=False, help_text="Manages the company's details."
    )
    as_admin = forms.BooleanField(
        label="Administrator",
        required=False,
        help_text="Also give this person the admin portal, with the permissions below.",
    )
    admin_permissions = forms.MultipleChoiceField(
        label="Admin permissions",
        required=False,
        choices=[(MANAGE_CUSTOMERS, "Manage customers"), (MANAGE_SETTINGS, "Manage settings")],
        widget=forms.CheckboxSelectMultiple,
    )
    admin_locations = forms.ModelMultipleChoiceField(
        label="At locations",
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, locations, companies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations
        self.fields["admin_locations"].queryset = locations
        self.fields["company"].queryset = companies.select_related("location")
        self.fields["company"].label_from_instance = lambda c: f"{c.name} ({c.location.name})"

    def clean(self):
        data = super().clean()
        company, location = data.get("company"), data.get("location")
        if company and location and company.location_id != location.pk:
            self.add_error("company", f"{company.name} is at {company.location.name}, not here.")
        if data.get("is_manager") and not company:
            self.add_error("is_manager", "Only a member of a company can be its manager.")
        if data.get("as_admin") and not (
            data.get("admin_permissions") and data.get("admin_locations")
        ):
            self.add_error("admin_permissions", "Choose at least one permission and one location.")
        return data


class MassInviteForm(forms.Form):
    rows = forms.CharField(
        label="Rows from your spreadsheet",
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text="Columns: " + ", ".join(COLUMNS) + f". Up to {MAX_ROWS:,} rows.",
    )
    # Not max_length: the browser would enforce it as maxlength, cutting a
    # long paste without a word. The server says how long it was instead.
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        required=False,
        help_text="Where people without a company ID land.",
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


class JoinRequestForm(forms.Form):
    first_name = column_field(JoinRequest, "first_name")
    last_name = column_field(JoinRequest, "last_name")
    email = column_field(JoinRequest, "email")
    phone = column_field(JoinRequest, "phone")
    company_name = column_field(JoinRequest, "company_name", label="Company")
    message = column_field(JoinRequest, "message", widget=forms.Textarea(attrs={"rows": 4}))
    # Left empty by people; bots fill every field.
    website = forms.CharField(required=False, widget=forms.HiddenInput)


class ProfileForm(forms.Form):
    first_name = column_field(Member, "first_name")
    last_name = column_field(Member, "last_name")
    phone = column_field(Member, "phone")
    photo = forms.FileField(
        required=False,
        help_text=f"PNG or JPG, up to 10 MB and {MAX_PIXELS // 1_000_000} megapixels. It is "
        f"stored at most {STORED_SIDE} pixels wide, without the camera's data (location, time).",
    )
    remove_photo = forms.BooleanField(required=False, label="Remove my photo")


PRIVACY_CHOICES = [("", "Space default"), ("show", "Show"), ("hide", "Hide")]


class PrivacyForm(forms.Form):
    # Say what the choice does where it has an effect (members/privacy.py):
    # members see each other on their company's page and the team page.
    show_email = forms.ChoiceField(
        label="Show my email to other members",
        choices=PRIVACY_CHOICES,
        required=False,
        help_text="Your company's members see it where you appear in the member portal, "
        "e.g. as its contact or billing person. Your company's contact person, billing "
        "person and managers see it whatever you choose: they need it to manage the team.",
    )
    show_phone = forms.ChoiceField(
        label="Show my phone to other members",
        choices=PRIVACY_CHOICES,
        required=False,
        help_text="Shown where your company's members, its contact person and managers "
        "included, see you in the member portal.",
    )

    @staticmethod
    def to_choice(value):
        return "" if value is None else ("show" if value else "hide")

    @staticmethod
    def from_choice(value):
        return None if not value else value == "show"


class MemberDetailsForm(forms.Form):
    """What an admin edits on a member record. Personal fields are shown
    read-only once a login is linked; the action refuses changes to them."""

    first_name = column_field(Member, "first_name")
    last_name = column_field(Member, "last_name")
    email = column_field(Member, "email")
    phone = column_field(Member, "phone")
    billing_name = column_field(Member, "billing_name")
    billing_address = column_field(
        Member, "billing_address", widget=forms.Textarea(attrs={"rows": 3})
    )
    tax_id = column_field(Member, "tax_id")
    internal_notes = column_field(
        Member, "internal_notes", widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.locked = member.personal_data_locked or member.account_deleted_at is not None
        if self.locked:
            why = (
                "Erased when the person deleted their account."
                if member.account_deleted_at
                else "Managed by the member in the member portal."
            )
            for name in ("first_name", "last_name", "email", "phone"):
                self.fields[name].required = False
                self.fields[name].widget.attrs.update(readonly=True)
                self.fields[name].help_text = why


class AttachmentForm(forms.Form):
    file = forms.FileField(help_text="PDF, PNG or JPG, up to 10 MB.")


class TransferForm(forms.Form):
    to_location = forms.ModelChoiceField(
        label="New home location", queryset=Location.objects.none()
    )

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_location"].queryset = locations
