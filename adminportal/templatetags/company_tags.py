"""A company page's team rows, written out in Python as the directory's
are (directory_tags.member_rows): the template engine spent more on 50
rows than the rest of the page's template together. Labels are translated
once per table, and every value from the database goes through ``escape``."""

from html import escape

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from members.templatetags.badges import portal_access_badge_html, status_badge_html

register = template.Library()


@register.simple_tag
def company_team_rows(members):
    """The ``<tr>`` of each member (``link_rows``ed, with ``team_roles``;
    the columns of _company_team.html)."""
    label = {
        key: escape(text)
        for key, text in {
            "role": gettext("Role"),
            "location": gettext("Location"),
            "status": gettext("Status"),
            "access": gettext("Portal access"),
            "member": gettext("Member"),
        }.items()
    }
    new = format_html(' <span class="badge new">{}</span>', gettext("New"))
    rows = []
    for member in members:
        roles = ", ".join(escape(role) for role in member.team_roles) or label["member"]
        rows.append(
            "<tr>"
            f'<td class="title"><a href="{escape(member.url)}">{escape(member.full_name)}</a>'
            f"{new if member.is_new else ''}</td>"
            f'<td data-label="{label["role"]}">{roles}</td>'
            f'<td data-label="{label["location"]}">{escape(member.location.name)}</td>'
            f'<td data-label="{label["status"]}">{status_badge_html(member)}</td>'
            f'<td data-label="{label["access"]}">{portal_access_badge_html(member)}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(rows))
