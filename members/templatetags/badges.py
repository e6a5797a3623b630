"""A member's status and portal access as badges, written out in Python:
tables show them on every row, where an include per badge cost more than
the rest of the row (templates/includes/status.html and portal_access.html
use these too, so they read the same everywhere)."""

from functools import cache

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

from members.models import MemberStatus, PortalAccess

register = template.Library()


@cache
def _badges(language: str) -> tuple[dict, dict, dict]:
    """Every badge, in ``language``: (status, portal access, access closed
    by status), each by value. Built once per language and process, so a
    table of 50 rows translates nothing per row."""
    status = {
        value: format_html('<span class="badge {}">{}</span>', value, label)
        for value, label in MemberStatus.choices
    }
    access = {
        value: format_html('<span class="badge {}">{}</span>', value, label)
        for value, label in PortalAccess.choices
    }
    # A login on a member who is not Active stays linked but opens nothing (R2.7): say so.
    why = gettext(
        "Only active members use the member portal; it opens again if they are set to Active."
    )
    closed = {
        value: format_html(
            '<span class="badge none" title="{}">{}</span>',
            why,
            gettext("Closed while %(status)s") % {"status": label},
        )
        for value, label in MemberStatus.choices
    }
    return status, access, closed


def status_badge_html(member):
    return _badges(get_language())[0][member.status]


def portal_access_badge_html(member):
    _, access, closed = _badges(get_language())
    if member.portal_closed_by_status:
        return closed[member.status]
    return access[member.portal_access]


register.simple_tag(status_badge_html, name="status_badge")
register.simple_tag(portal_access_badge_html, name="portal_access_badge")
