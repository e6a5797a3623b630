"""Adding a member to a company's team (R2.2, R2.4).

With a ``policy`` (member portal) the form also applies members/policy.py
and shows its refusal; without one (admin portal) it does not (R2.4)."""

from django import forms
from django.utils.translation import gettext_lazy

from companies.policy import new_member_refusal
from organizations.models import Location

from ..fields import column_field
from ..models import Member, MemberStatus
from ..policy import NEW_MEMBER_STATUSES, TeamPolicy, new_member_email_refusal

NEW_STATUS_CHOICES = [(s.value, s.label) for s in NEW_MEMBER_STATUSES]


class NewTeamMemberForm(forms.Form):
    first_name = column_field(Member, "first_name")
    last_name = column_field(Member, "last_name")
    email = column_field(
        Member, "email", help_text=gettext_lazy("Needed for Active members: it is how they log in.")
    )
    phone = column_field(Member, "phone")
    status = forms.ChoiceField(
        choices=NEW_STATUS_CHOICES,
        initial=MemberStatus.ACTIVE,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Active: works here now. Contact: someone to keep in touch with, "
            "without access to the space."
        ),
    )

    location = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        label=gettext_lazy("Location"),
        help_text=gettext_lazy("Where they work: one of the company's locations."),
    )

    def __init__(self, *args, company, locations, policy: TeamPolicy | None = None, **kwargs):
        """``locations``: the company's locations where the person filling
        the form may add someone (a queryset)."""
        super().__init__(*args, **kwargs)
        self.company = company
        self.policy = policy
        if policy is None:
            # Admins only (issue 14): add them as Active beyond the seat cap.
            self.fields["over_seat_cap"] = forms.BooleanField(
                label=gettext_lazy("Go over the cap"),
                required=False,
                help_text=gettext_lazy(
                    "Add them as Active even if the company has no seat left at that "
                    "location. It is recorded in the history."
                ),
            )
        field = self.fields["location"]
        field.queryset = locations
        field.empty_label = None
        places = list(locations[:2])
        # One location to choose from: nothing to ask.
        self.only_location = places[0] if len(places) == 1 else None
        if self.only_location is not None:
            field.required = False
            field.widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("location") is None and self.only_location is not None:
            cleaned["location"] = self.only_location
        if self.policy is not None:
            refusal = self.policy.add_member_refusal(
                self.company, cleaned.get("status"), cleaned.get("location")
            )
            if refusal:
                raise forms.ValidationError(refusal)
        location = cleaned.get("location")
        if location is not None:
            refusal = new_member_refusal(self.company, location)
            if refusal:
                self.add_error("location", refusal)
        refusal = new_member_email_refusal(status=cleaned.get("status"), email=cleaned.get("email"))
        if refusal and "email" not in self.errors:
            self.add_error("email", refusal)
        return cleaned
