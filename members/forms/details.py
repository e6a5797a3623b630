"""The admin portal's form for a member's record (R5.1)."""

from django import forms
from django.utils.translation import gettext as _

from ..fields import column_field
from ..models import Member


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
                _("Erased when the person deleted their account.")
                if member.account_deleted_at
                else _("Managed by the member in the member portal.")
            )
            for name in ("first_name", "last_name", "email", "phone"):
                self.fields[name].required = False
                self.fields[name].widget.attrs.update(readonly=True)
                self.fields[name].help_text = why
