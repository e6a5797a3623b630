"""What people type into forms: its limits come from the column it is
stored in, and single-line text stays on one line.

``column_field(Model, "name")`` is the form field for a model's column:
max_length, required (the column's ``blank``), label and help text follow
the column, so a value the form accepts is one the database takes (a 300
character address used to pass the form and fail the insert with a 500).
Every form field that writes a text column is built this way.

Single-line text (names, phone, company name, tax ID, a reason…) refuses
control characters: it ends up in email subjects, CSV exports and the
connected systems, where a line break starts a header or a row of its own.
It also needs one visible character: a name of zero-width spaces shows as
nothing in every list. Multi-line text (notes, an address, a message)
keeps its line breaks and tabs but refuses the other control characters.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy

SINGLE_LINE_MESSAGE = gettext_lazy(
    "Keep this on one line: no line breaks, tabs or other control characters."
)
MULTI_LINE_MESSAGE = gettext_lazy(
    "Remove the control characters (anything but text, line breaks and tabs)."
)
INVISIBLE_MESSAGE = gettext_lazy(
    "Type at least one visible character: this holds only spaces or invisible ones."
)

# The C0 and C1 controls (Unicode category Cc: U+0000-U+001F, U+007F-U+009F);
# in single-line text also the line and paragraph separators, which break a
# line like "\n" does, and the bidirectional embeddings, overrides and
# isolates, which reorder the text shown after them (a name that reads one
# way in a list and another in an email). A pattern, not a loop over
# unicodedata: a 10,000-row paste is checked cell by cell.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_LINE_BREAKS_AND_TABS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Categories that draw nothing on their own: controls, formatting
# (zero-width space and joiners), unassigned and private use, separators
# (spaces), and combining marks with no letter to sit on.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
# Letters and symbols that are blank by design: the Hangul fillers and the
# braille blank, favourites for names that look empty.
_BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def single_line(value: str) -> None:
    if _CONTROL.search(value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="control_characters")


def multi_line(value: str) -> None:
    if _CONTROL_BUT_LINE_BREAKS_AND_TABS.search(value):
        raise ValidationError(MULTI_LINE_MESSAGE, code="control_characters")


def visible(value: str) -> None:
    if value and not any(_draws_something(char) for char in value):
        raise ValidationError(INVISIBLE_MESSAGE, code="invisible")


def _draws_something(char: str) -> bool:
    return unicodedata.category(char) not in _INVISIBLE_CATEGORIES and char not in (
        _BLANK_CHARACTERS
    )


def single_line_errors(value: str) -> list[str]:
    """What the single-line rules say of ``value``, for text checked outside
    a form (a pasted spreadsheet row): the first rule it breaks."""
    for validator in (single_line, visible):
        try:
            validator(value)
        except ValidationError as invalid:
            return invalid.messages
    return []


class EmailAsStoredField(forms.EmailField):
    """An address as the actions store it, lower-cased, so that the column's
    limit is checked on what is stored: "İ" becomes two characters."""

    def to_python(self, value):
        return super().to_python(value).lower()


def column_max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


def column_field(model: type[models.Model], name: str, **overrides) -> forms.Field:
    """The form field for ``model``'s column ``name`` (see the module's
    docstring); ``overrides`` go to ``formfield()``, e.g. ``required=True``
    where the form asks for more than the column, or a label."""
    column = model._meta.get_field(name)
    if isinstance(column, models.EmailField):
        overrides.setdefault("form_class", EmailAsStoredField)
    field = column.formfield(**overrides)
    if isinstance(column, models.TextField):
        field.validators.append(multi_line)
    elif isinstance(field, forms.CharField):  # also email, URL and slug fields
        field.validators.extend([single_line, visible])
    return field
