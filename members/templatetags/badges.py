"""A member's status and portal access as badges, written out in Python:
tables show them on every row, where an include per badge cost more than
the rest of the row (templates/includes/status.html and portal_access.html
use these too, so they read the same everywhere)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def status_badge(member):
    return format_html(
        '<span class="badge {}">{}</span>', member.status, member.get_status_display()
    )


@register.simple_tag
def portal_access_badge(member):
    # A login on a member who is not Active stays linked but opens nothing (R2.7): say so.
    if member.portal_closed_by_status:
        return format_html(
            '<span class="badge none" title="{}">{}</span>',
            gettext(
                "Only active members use the member portal; it opens again if they are set "
                "to Active."
            ),
            gettext("Closed while %(status)s") % {"status": member.get_status_display()},
        )
    return format_html(
        '<span class="badge {}">{}</span>', member.portal_access, member.get_portal_access_display()
    )
