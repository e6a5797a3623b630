"""Which language and time zone a person reads (issue 16, item 5).

Language: the login's own choice, else the organization's default, else
the installation's (settings.LANGUAGE_CODE). Time zone: the location's,
else its organization's default, else the installation's. The request
middleware (config/locale.py), the emails (emails/render.py) and the
``at_location`` template filter all ask here.
"""

import zoneinfo

from django.conf import settings

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def language_of(user=None, organization=None) -> str | None:
    """The language ``user`` reads in ``organization``'s portal or emails;
    None when neither says (the caller falls back: the browser's
    Accept-Language for a page, LANGUAGE_CODE for an email)."""
    for code in (getattr(user, "language", ""), getattr(organization, "language", "")):
        if code in LANGUAGE_CODES:
            return code
    return None


def zone_name_of(organization=None, location=None) -> str:
    """The IANA name of the time zone times at ``location`` (or, without
    one, in ``organization``) are shown in. Pass the organization when the
    caller has it: reaching it through the location may cost a query."""
    if location is not None and location.time_zone:
        return location.time_zone
    if organization is None and location is not None:
        organization = location.organization
    if organization is not None and organization.time_zone:
        return organization.time_zone
    return settings.TIME_ZONE


def zone_of(organization=None, location=None) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(zone_name_of(organization, location))
