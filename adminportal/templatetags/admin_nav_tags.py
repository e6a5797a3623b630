from django import template

from notifications.models import Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    """One COUNT query per page."""
    request = context["request"]
    return Notification.objects.filter(
        recipient=request.user, organization=request.organization, read_at__isnull=True
    ).count()
