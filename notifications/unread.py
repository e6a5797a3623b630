"""How many notifications an admin has not read (the admin portal's header
badge), cached.

The badge is on every page of the admin portal; counting cost a query, a
third of an empty page's time. The count is kept per admin and
organization until a notification of that organization is added, read or
resolved (``forget_unread``), and at most a minute: a change made outside
these actions (a support edit in Django admin, a cascade) shows within
that minute. Every notification page reads the notifications themselves.
"""

import time
from contextlib import suppress

from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

from .models import Notification

SECONDS = 60


def _generation_key(organization_id) -> str:
    return f"notifications-unread:{organization_id}:generation"


def unread_count(user, organization) -> int:
    """One cache read on a hit, a COUNT on a miss; the database alone when
    the cache is down (the page still answers)."""
    generation_key = _generation_key(organization.pk)
    key = f"notifications-unread:{organization.pk}:{user.pk}"
    try:
        found = cache.get_many([generation_key, key])
    except RedisError:
        return _count(user, organization)
    generation = found.get(generation_key, 0)
    kept = found.get(key)
    if kept is not None and kept[0] == generation:
        return kept[1]
    count = _count(user, organization)
    with suppress(RedisError):
        cache.set(key, (generation, count), SECONDS)
    return count


def _count(user, organization) -> int:
    return Notification.objects.filter(
        recipient=user, organization=organization, read_at__isnull=True
    ).count()


def forget_unread(organization_id) -> None:
    """The organization's notifications changed: count again. Now, and
    again once the change commits: a page counting between the two would
    otherwise keep the count from before it."""
    _bump(organization_id)
    transaction.on_commit(lambda: _bump(organization_id), robust=True)


def _bump(organization_id) -> None:
    key = _generation_key(organization_id)
    with suppress(RedisError):
        try:
            cache.incr(key)
        except ValueError:  # not set yet, or evicted
            # Not 1: counts kept under an evicted generation may hold any
            # small number, and would be read as current again.
            cache.set(key, time.time_ns(), None)
