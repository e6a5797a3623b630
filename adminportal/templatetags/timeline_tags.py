"""The activity timelines' entries: what each changed, in one line per
field, and the entries themselves."""

from html import escape

from django import template
from django.forms.utils import pretty_name
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()

#: Values longer than this are cut in the timeline (notes, addresses).
SHOWN = 80


def _shown(value) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    text = str(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


@register.filter
def changes(entry) -> list[str]:
    """``field: before → after`` for each field the entry names."""
    before, after = entry.before or {}, entry.after or {}
    lines = []
    for key in dict.fromkeys([*before, *after]):
        if key in before and key in after:
            lines.append(f"{pretty_name(key)}: {_shown(before[key])} → {_shown(after[key])}")
        elif key in after:
            lines.append(f"{pretty_name(key)}: {_shown(after[key])}")
        else:
            lines.append(f"{pretty_name(key)} was {_shown(before[key])}")
    return lines


@register.simple_tag(takes_context=True)
def timeline_entries(context, entries):
    """Each entry's ``<li>``, written out in Python: the template engine
    spent more on a timeline's 20 entries than the rest of a company page's
    template together. Labels are translated and the member link reversed
    once per timeline; every value from the database goes through
    ``escape``. ``with_member`` in the context: each entry names its member
    (a company's timeline)."""
    with_member = context.get("with_member")
    if with_member:
        marker = 2**62  # no real id is this big
        before, after = reverse(
            "adminportal:member", args=[context["organization"].slug, marker]
        ).split(str(marker))
        before, after = escape(before), escape(after)
    system = gettext("System")
    reason = escape(gettext("Reason:"))
    items = []
    for entry in entries:
        # As the ``date`` filter does: in the current time zone, month names translated.
        when = timezone.localtime(entry.created_at)
        named = ""
        if with_member and entry.member:
            named = (
                f' · <a href="{before}{entry.member_id}{after}">'
                f"{escape(entry.member.full_name)}</a>"
            )
        actor = entry.actor.email if entry.actor else (entry.actor_label or system)
        lines = changes(entry)
        listed = (
            '<ul class="small">' + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"
            if lines
            else ""
        )
        said = f'<p class="small">{reason} {escape(entry.reason)}</p>' if entry.reason else ""
        items.append(
            '<li class="timeline-entry">'
            f'<span class="muted small"><time datetime="{escape(date_format(when, "c"))}">'
            f"{escape(date_format(when, 'j M Y, H:i'))}</time></span> "
            f"<strong>{escape(str(entry.get_verb_display()))}</strong>{named} "
            f'<span class="muted small">· {escape(actor)} · {escape(str(entry.get_via_display()))}'
            f"</span>{listed}{said}</li>"
        )
    return mark_safe("\n".join(items))
