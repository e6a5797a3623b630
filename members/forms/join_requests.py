"""The public "request to join" form (R4.5)."""

from django import forms
from django.utils.translation import gettext_lazy

from ..fields import column_field
from ..models import JoinRequest


class JoinRequestForm(forms.Form):
    first_name = column_field(JoinRequest, "first_name")
    last_name = column_field(JoinRequest, "last_name")
    email = column_field(JoinRequest, "email")
    phone = column_field(JoinRequest, "phone")
    company_name = column_field(JoinRequest, "company_name", label=gettext_lazy("Company"))
    message = column_field(JoinRequest, "message", widget=forms.Textarea(attrs={"rows": 4}))
    # Left empty by people; bots fill every field.
    website = forms.CharField(required=False, widget=forms.HiddenInput)
