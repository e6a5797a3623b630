"""The admin portal's form for a company's contact person, billing person and managers (R2.1).

Validation only: the company page draws the fields itself, as the current
holders plus a search-as-you-type field (a team of 1,000 is no select)."""

from django import forms
from django.utils.translation import gettext_lazy

from ..models import Member


class CompanyRolesForm(forms.Form):
    contact_person = forms.ModelChoiceField(
        queryset=Member.objects.none(),
        required=False,
        empty_label=gettext_lazy("— nobody —"),
        help_text=gettext_lazy("Manages the team from the member portal when the setting is on."),
    )
    billing_person = forms.ModelChoiceField(
        queryset=Member.objects.none(),
        required=False,
        empty_label=gettext_lazy("— nobody —"),
        help_text=gettext_lazy("Receives invoices; also manages the team."),
    )
    managers = forms.ModelMultipleChoiceField(
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Managers manage the team too."),
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this company's members can hold its roles; anyone else posted
        # is "not one of the available choices".
        team = Member.objects.filter(company=company).order_by("first_name", "last_name", "pk")
        for name in ("contact_person", "billing_person", "managers"):
            self.fields[name].queryset = team
