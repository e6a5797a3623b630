from django import template

from notifications.unread import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    """The header's badge (notifications/unread.py: cached)."""
    request = context["request"]
    return unread_count(request.user, request.organization)
