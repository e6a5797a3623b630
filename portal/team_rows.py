"""My team's rows, written out in Python.

The template engine spent more on a page of 50 rows (forty-odd tags,
translations, two forms and an include each) than on the rest of the
page together. This is the one definition of a row: the page's list
(``{% team_rows %}``) and the row an htmx POST sends back both come from
here. Labels are translated and links reversed once per table, and every
value from the database or a person goes through ``escape``.
"""

from html import escape

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.translation import gettext

from members.models import MemberStatus, StatusChange
from members.templatetags.badges import portal_access_badge_html, status_badge_html

#: Each row's links, by the view they lead to.
ROW_URLS = {
    "invite": "portal:team_member_invite",
    "status": "portal:team_member_status",
    "history": "portal:team_member_history",
    "link": "portal:team_member_link",
}


def _row_urls(organization) -> dict[str, tuple[str, str]]:
    """Each link as (before, after) a row's id: reversing per row was a
    fifth of My team's time."""
    marker = 2**62  # no real id is this big
    urls = {}
    for key, name in ROW_URLS.items():
        before, after = reverse(name, args=[organization.slug, marker]).split(str(marker))
        urls[key] = (escape(before), escape(after))
    return urls


class TeamRows:
    """Renders ``_decorate``d members (portal/views/team.py) for one
    request: its language, organization and CSRF token."""

    def __init__(self, request):
        organization = request.organization
        self.urls = _row_urls(organization)
        self.csrf = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(get_token(request))}">'
        )
        self.reason_max = StatusChange._meta.get_field("reason").max_length
        self.statuses = [
            (value, escape(value), escape(label)) for value, label in MemberStatus.choices
        ]
        self.label = {
            key: escape(text)
            for key, text in {
                "role": gettext("Role"),
                "status": gettext("Status"),
                "access": gettext("Portal access"),
                "change": gettext("Change status"),
                "you": gettext("(you)"),
                "member": gettext("Member"),
                "where": gettext("Where they manage the team"),
                "membership": gettext("Active membership"),
                "awaiting": gettext("Awaiting approval"),
                "resend": gettext("Resend invitation"),
                "invite": gettext("Invite to the portal"),
                "reason": gettext("Reason (optional)"),
                "change_button": gettext("Change"),
                "history": gettext("Status history"),
            }.items()
        }
        # As {% blocktranslate %} does: the translation as it stands, the
        # values put in it escaped.
        self.awaiting_note = gettext("An admin of %(org)s decides whether they become Active.") % {
            "org": escape(organization.name)
        }
        self.say = {
            "new_status": gettext("New status for %(name)s"),
            "reason": gettext("Reason for %(name)s"),
            "status_of": gettext("status of %(name)s"),
            "of": gettext("of %(name)s"),
            "open_history": gettext("Open the status history of %(name)s"),
        }

    def __call__(self, member, *, note=None, error=None) -> str:
        """The member's ``<tbody>``: their row and its status history."""
        pk = member.pk
        label, say, urls = self.label, self.say, self.urls
        name = escape(member.full_name)
        named = {"name": name}
        you = f' <span class="muted">{label["you"]}</span>' if member.is_me else ""
        contact = member.contact
        email, phone = escape(contact["email"]), escape(contact["phone"])
        reach = (
            f'<br><span class="muted small">{email}{" · " if email and phone else ""}{phone}</span>'
            if email or phone
            else ""
        )
        roles = ", ".join(escape(role) for role in member.team_roles) or label["member"]
        link = ""
        if member.may_link:
            before, after = urls["link"]
            link = (
                f'<br><a class="small" href="{before}{pk}{after}">{label["where"]}'
                f'<span class="visually-hidden"> ({name})</span></a>'
            )
        status = str(status_badge_html(member))
        if member.has_active_membership:
            status += f'<br><span class="muted small">{label["membership"]}</span>'
        if member.awaiting_status:
            status += (
                f'<br><span class="badge awaiting">{label["awaiting"]}</span> '
                f'<span class="muted small">{self.awaiting_note}</span>'
            )
        access = str(portal_access_badge_html(member))
        if member.may_invite:
            before, after = urls["invite"]
            url = f"{before}{pk}{after}"
            invite = label["resend"] if member.invitation_pending else label["invite"]
            access += (
                f'<form method="post" action="{url}" hx-post="{url}"'
                f' hx-target="#member-{pk}" hx-swap="outerHTML">{self.csrf}'
                f'<button type="submit" class="link" id="invite-{pk}">{invite}'
                f'<span class="visually-hidden"> ({name})</span></button></form>'
            )
        if member.status_refusal:
            change = f'<span class="muted small refusal">{escape(member.status_refusal)}</span>'
        else:
            before, after = urls["status"]
            url = f"{before}{pk}{after}"
            options = "".join(
                f'<option value="{shown}"{" selected" if value == member.status else ""}>'
                f"{text}</option>"
                for value, shown, text in self.statuses
            )
            change = (
                f'<form class="status-form" method="post" action="{url}" hx-post="{url}"'
                f' hx-target="#member-{pk}" hx-swap="outerHTML">{self.csrf}'
                f'<label class="visually-hidden" for="status-{pk}">'
                f"{say['new_status'] % named}</label>"
                f'<select id="status-{pk}" name="status">{options}</select>'
                f'<label class="visually-hidden" for="reason-{pk}">{say["reason"] % named}</label>'
                f'<input id="reason-{pk}" type="text" name="reason" maxlength="{self.reason_max}"'
                f' placeholder="{label["reason"]}">'
                f'<button type="submit" class="secondary" id="change-{pk}">'
                f'{label["change_button"]}<span class="visually-hidden"> '
                f"{say['status_of'] % named}</span></button></form>"
            )
        if note:
            change += f'<p class="row-note success" data-announce>{conditional_escape(note)}</p>'
        if error:
            change += f'<p class="row-note error" role="alert">{conditional_escape(error)}</p>'
        before, after = urls["history"]
        history = f"{before}{pk}{after}"
        return (
            f'<tbody id="member-{pk}" class="team-member">\n<tr>'
            f'<td class="title"><strong>{name}</strong>{you}{reach}</td>'
            f'<td data-label="{label["role"]}">{roles}'
            f'<br><span class="muted small">{escape(member.location.name)}</span>{link}</td>'
            f'<td data-label="{label["status"]}">{status}</td>'
            f'<td data-label="{label["access"]}">{access}</td>'
            f'<td data-label="{label["change"]}" class="wide">{change}</td>'
            '</tr>\n<tr class="history-row"><td colspan="5">'
            f'<details hx-get="{history}" hx-trigger="toggle once" hx-target="find .history"'
            ' hx-swap="innerHTML">'
            f'<summary>{label["history"]}<span class="visually-hidden"> {say["of"] % named}'
            "</span></summary>"
            f'<div class="history"><a href="{history}">{say["open_history"] % named}</a></div>'
            "</details></td></tr>\n</tbody>"
        )
