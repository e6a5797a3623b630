"""The directory's filter form, written out in Python.

Django renders each widget through its template engine, and a select's
every option through one more include: the directory's filter form (ten
fields, some fifty options) cost more than the rest of the page around
its table. These are the same elements, attributes and escaping, for the
widgets the directory's filters use; any other widget renders as Django
renders it."""

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

SELECTED = mark_safe(" selected")
CHECKED = mark_safe(" checked")


def _attrs(attrs: dict):
    return format_html_join("", ' {}="{}"', ((k, v) for k, v in attrs.items() if v is not None))


@register.simple_tag
def filter_widget(field: BoundField):
    widget = field.field.widget
    value = field.value()
    name, id_ = field.html_name, field.id_for_label
    if isinstance(widget, forms.CheckboxInput):
        checked = CHECKED if widget.check_test(value) else ""
        return format_html(
            '<input type="checkbox" name="{}" id="{}"{}{}>',
            name,
            id_,
            _attrs(widget.attrs),
            checked,
        )
    if type(widget) is forms.Select:
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (choice, SELECTED if str(choice) == chosen else "", label)
                for choice, label in field.field.choices
            ),
        )
        return format_html(
            '<select name="{}" id="{}"{}>{}</select>', name, id_, _attrs(widget.attrs), options
        )
    if isinstance(widget, forms.TextInput | forms.NumberInput) and not widget.is_hidden:
        shown = format_html(' value="{}"', value) if value not in (None, "") else ""
        return format_html(
            '<input type="{}" name="{}" id="{}"{}{}>',
            widget.input_type,
            name,
            id_,
            _attrs(widget.attrs),
            shown,
        )
    return str(field)
