"""What an audit entry changed, in one line per field, for the timelines."""

from django import template
from django.forms.utils import pretty_name

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
