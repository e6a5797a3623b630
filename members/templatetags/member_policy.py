"""The member policy's answers for templates, so that pages do not restate
the rules with status strings (issue 11, item 6)."""

from django import template

from members.policy import invite_hint as _invite_hint

register = template.Library()


@register.filter
def invite_hint(member) -> str:
    """Why ``member`` may not be invited, in words; "" when they may."""
    return _invite_hint(member)
