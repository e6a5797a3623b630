"""Forms for adding team members and changing their status (R2.2, R2.4).

With a ``policy`` (member portal) the forms also apply members/policy.py and
show its refusal; without one (admin portal) they do not (R2.4).
"""

from django import forms

from .fields import column_field
from .models import Member, MemberStatus, StatusChange
from .policy import NEW_MEMBER_STATUSES, TeamPolicy, new_member_email_refusal

NEW_STATUS_CHOICES = [(s.value, s.label) for s in NEW_MEMBER_STATUSES]


class NewTeamMemberForm(forms.Form):
    first_name = column_field(Member, "first_name")
    last_name = column_field(Member, "last_name")
    email = column_field(
        Member, "email", help_text="Needed for Active members: it is how they log in."
    )
    phone = column_field(Member, "phone")
    status = forms.ChoiceField(
        choices=NEW_STATUS_CHOICES,
        initial=MemberStatus.ACTIVE,
        widget=forms.RadioSelect,
        help_text="Active: works here now. Contact: someone to keep in touch with, "
        "without access to the space.",
    )

    def __init__(self, *args, company, policy: TeamPolicy | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.policy = policy

    def clean(self):
        cleaned = super().clean()
        if self.policy is not None:
            refusal = self.policy.add_member_refusal(self.company, cleaned.get("status"))
            if refusal:
                raise forms.ValidationError(refusal)
        refusal = new_member_email_refusal(status=cleaned.get("status"), email=cleaned.get("email"))
        if refusal and "email" not in self.errors:
            self.add_error("email", refusal)
        return cleaned


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(choices=MemberStatus.choices)
    reason = column_field(
        StatusChange, "reason", help_text="Optional. Shown in the member's status history."
    )

    def __init__(self, *args, member: Member, policy: TeamPolicy | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.policy = policy

    def clean(self):
        cleaned = super().clean()
        if self.policy is not None:
            refusal = self.policy.status_change_refusal(self.member, cleaned.get("status"))
            if refusal:
                raise forms.ValidationError(refusal)
        return cleaned

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)


class CompanyRolesForm(forms.Form):
    contact_person = forms.ModelChoiceField(
        queryset=Member.objects.none(),
        required=False,
        empty_label="— nobody —",
        help_text="Manages the team from the member portal when the setting is on.",
    )
    billing_person = forms.ModelChoiceField(
        queryset=Member.objects.none(),
        required=False,
        empty_label="— nobody —",
        help_text="Receives invoices; also manages the team.",
    )
    managers = forms.ModelMultipleChoiceField(
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Managers manage the team too.",
    )

    def __init__(self, *args, company, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "contact_person": company.contact_person_id,
                "billing_person": company.billing_person_id,
                "managers": [m.pk for m in company.members.all() if m.is_manager],
            },
        )
        super().__init__(*args, **kwargs)
        # Only this company's members can hold its roles; anyone else posted
        # is "not one of the available choices".
        team = Member.objects.filter(company=company).order_by("first_name", "last_name", "pk")
        for name in ("contact_person", "billing_person", "managers"):
            self.fields[name].queryset = team
