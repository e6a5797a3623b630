"""A time at a location, in that location's time zone.

The page runs in its organization's zone (config/locale.py). A row that
belongs to a location with a zone of its own shows its time there:
``{{ row.created_at|at_location:row.location|date:"DATETIME_FORMAT" }}``,
followed by ``{{ row.location|other_zone }}``, which names that zone when
it is not the page's, so that "09:00" is never ambiguous.
"""

from django import template
from django.templatetags.tz import do_timezone
from django.utils import timezone

register = template.Library()


@register.filter
def at_location(value, location):
    """``value`` in ``location``'s own zone; unchanged (the page's zone)
    when the location has none of its own."""
    if location is None or not getattr(location, "time_zone", ""):
        return value
    return do_timezone(value, location.time_zone)


@register.filter
def other_zone(location) -> str:
    """ " (America/New_York)" when ``location`` keeps its own zone and it is
    not the page's; else nothing."""
    name = getattr(location, "time_zone", "")
    if not name or name == timezone.get_current_timezone_name():
        return ""
    return f" ({name})"
