"""Changing a member's status (R2.3, R2.4).

With a ``policy`` (member portal) the form also applies members/policy.py
and shows its refusal; without one (admin portal) it does not (R2.4)."""

from django import forms
from django.utils.translation import gettext_lazy

from ..fields import column_field
from ..models import Member, MemberStatus, StatusChange
from ..policy import TeamPolicy


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(choices=MemberStatus.choices)
    reason = column_field(
        StatusChange,
        "reason",
        help_text=gettext_lazy("Optional. Shown in the member's status history."),
    )
    #: Admins only (issue 14): making someone Active beyond their company's
    #: seat cap, confirmed; the member portal's form has no such field.
    over_seat_cap = forms.BooleanField(
        label=gettext_lazy("Go over the cap"),
        required=False,
        help_text=gettext_lazy(
            "Make them Active even if their company has no seat left at their location. "
            "It is recorded in the history."
        ),
    )

    def __init__(self, *args, member: Member, policy: TeamPolicy | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.policy = policy
        if policy is not None:
            del self.fields["over_seat_cap"]

    def clean(self):
        cleaned = super().clean()
        if self.policy is not None:
            refusal = self.policy.status_change_refusal(self.member, cleaned.get("status"))
            if refusal:
                raise forms.ValidationError(refusal)
        return cleaned

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)
