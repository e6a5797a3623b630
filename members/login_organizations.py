"""Where a login may go (the header's organization switcher), cached.

The switcher is on every page of both portals, and the answer changes only
when someone gains or loses an admin role or portal access, or an
organization is renamed. Asking PostgreSQL on every page cost a fifth of
an empty page (the query is planned afresh each time). The answer is kept
per login until one of those changes is recorded, and at most a minute: a
change made outside the audit log (a support edit in Django admin) shows
within that minute. The switcher only offers links; every page checks
access itself, so a stale entry never opens anything.
"""

from contextlib import suppress

from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

from audit.log import reaction
from audit.models import Verb

from .selectors import organizations_of_login

SECONDS = 60
GENERATION = "login-organizations:generation"

#: What changes where a login may go.
CHANGES = (
    Verb.MEMBER_CREATED,
    Verb.MEMBER_STATUS_CHANGED,
    Verb.MEMBER_PORTAL_ACCESS_CHANGED,
    Verb.MEMBER_LOGIN_LINKED,
    Verb.MEMBER_REMOVED,
    Verb.MEMBER_ERASED,
    Verb.INVITATION_ACCEPTED,
    Verb.ADMIN_PERMISSIONS_CHANGED,
    Verb.ADMIN_SUSPENDED,
    Verb.ADMIN_REMOVED,
    Verb.ORGANIZATION_BRAND_CHANGED,
)


def login_organizations(user) -> list[tuple[int, str, str, bool, bool]]:
    """``organizations_of_login(user)`` as (id, name, slug, is_admin,
    is_member) rows: one cache read on a hit, one query more on a miss.
    Every page shows them: with the cache down they are read from the
    database, and the page answers."""
    key = f"login-organizations:{user.pk}"
    try:
        found = cache.get_many([GENERATION, key])
    except RedisError:
        return _read(user)
    generation = found.get(GENERATION, 0)
    kept = found.get(key)
    if kept is not None and kept[0] == generation:
        return kept[1]
    rows = _read(user)
    with suppress(RedisError):  # read again next time
        cache.set(key, (generation, rows), SECONDS)
    return rows


def _read(user) -> list[tuple[int, str, str, bool, bool]]:
    return [(o.pk, o.name, o.slug, o.is_admin, o.is_member) for o in organizations_of_login(user)]


def _forget_all() -> None:
    try:
        cache.incr(GENERATION)
    except ValueError:  # not set yet, or evicted
        cache.set(GENERATION, 1, None)


@reaction(*CHANGES)
def organizations_changed(entries) -> None:
    # After the commit: read before it, the old answer would be kept under
    # the new generation. Robust: a cache outage then must not fail the
    # change that was saved (the old answer lasts a minute at most).
    transaction.on_commit(_forget_all, robust=True)
