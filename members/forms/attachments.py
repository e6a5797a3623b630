"""Files attached to a member's record (R5.1)."""

from django import forms
from django.utils.translation import gettext_lazy


class AttachmentForm(forms.Form):
    file = forms.FileField(help_text=gettext_lazy("PDF, PNG or JPG, up to 10 MB."))
