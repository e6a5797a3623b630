"""An admin's answer to a request for approval (R8.2): Reject says why."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..fields import column_field
from ..models import StatusRequest


class RejectForm(forms.Form):
    reason = column_field(
        StatusRequest,
        "decision_reason",
        required=True,
        label=_("Reason"),
        help_text=_("The contact person reads it in the email telling them the decision."),
    )
