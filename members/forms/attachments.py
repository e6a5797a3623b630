"""Files attached to a member's record (R5.1)."""

from django import forms


class AttachmentForm(forms.Form):
    file = forms.FileField(help_text="PDF, PNG or JPG, up to 10 MB.")
