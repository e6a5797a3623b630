"""Form fields for what people type about people."""

from django import forms
from django.core.exceptions import ValidationError


def no_control_characters(value: str) -> None:
    # Names end up in email subjects and CSV exports, where a line break is
    # a header or a row of its own.
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise ValidationError("Use letters, spaces and punctuation only: no line breaks or tabs.")


class NameField(forms.CharField):
    default_validators = [no_control_characters]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)
