"""A column's limit for inputs written by hand in templates (forms built
with members/fields.py get theirs from the column already)."""

from django import template
from django.apps import apps

register = template.Library()


@register.simple_tag
def max_length(column: str) -> int:
    """``{% max_length "members.StatusChange.reason" %}``"""
    model, name = column.rsplit(".", 1)
    return apps.get_model(model)._meta.get_field(name).max_length
