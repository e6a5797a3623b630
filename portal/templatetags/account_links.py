"""Where allauth's account pages lead back to (issue 13, item 7)."""

from django import template
from django.utils.http import url_has_allowed_host_and_scheme

register = template.Library()


@register.simple_tag(takes_context=True)
def back_to(context) -> str:
    """The page that sent the person here (My account's ``?next=``), if it
    is one of ours; "" otherwise."""
    request = context.get("request")
    target = request.GET.get("next", "") if request is not None else ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""
