from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from django.core.exceptions import ValidationError

from .emails import ADDRESS_TAKEN, held_by_another_login


class AddEmailForm(AllauthAddEmailForm):
    """allauth's "Change to" form on /accounts/email/, refusing at the field
    an address another login holds (issue 10, item 6): a login has one
    address, and verifying one that another login carries would fail at the
    database. allauth lets it through to hide which addresses exist; here
    the person is logged in and needs to know why it cannot be theirs."""

    def clean_email(self):
        email = super().clean_email()
        if held_by_another_login(email, self.user):
            raise ValidationError(ADDRESS_TAKEN)
        return email
