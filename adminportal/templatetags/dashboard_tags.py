"""The dashboard's count cells, written out in Python: ten locations of
nine counts each were a hundred template loop turns, most of the page."""

from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def count_cells(cells, kind: str = "status"):
    """A ``<td>`` per (value, label, count, url) of ``cells``, each count a
    link to the directory filtered to it. ``kind="access"``: the cells are
    portal access counts, and their labels say so."""
    described = gettext("Portal access: %(label)s") if kind == "access" else "%(label)s"
    return mark_safe(
        "".join(
            f'<td data-label="{escape(described % {"label": label})}">'
            f'<a href="{escape(url)}">{n}</a></td>'
            for _, label, n, url in cells
        )
    )
