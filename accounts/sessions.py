"""Ending a person's sessions when they lose access (R2.7, R4.6).

Sessions are opaque blobs keyed by a random id; to find a user's without
decoding every live session, each login records its session key in
``UserSession`` (the ``user_logged_in`` receiver below). Ending sessions is
then one indexed query per person, whatever the number of live sessions.
"""

import logging

from django.conf import settings
from django.contrib.sessions.models import Session

logger = logging.getLogger(__name__)

DB_ENGINES = {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}


def record_login_session(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: index the (already rotated and saved) session."""
    from .models import UserSession

    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if settings.SESSION_ENGINE not in DB_ENGINES or not key:
        return
    if not Session.objects.filter(session_key=key).exists():
        session.save()  # a backend that saves lazily: make the row exist
    UserSession.objects.update_or_create(session_id=key, defaults={"user_id": user.pk})


def session_keys_of(user) -> list[str]:
    """The keys of ``user``'s live sessions (a User or its pk)."""
    from .models import UserSession

    user_id = getattr(user, "pk", user)
    return list(UserSession.objects.filter(user_id=user_id).values_list("session_id", flat=True))


def end_session_keys(keys: list[str]) -> int:
    """Delete these sessions (and their index rows, by cascade)."""
    if not keys:
        return 0
    deleted = Session.objects.filter(session_key__in=keys).delete()[1].get("sessions.Session", 0)
    if settings.SESSION_ENGINE.endswith("cached_db"):
        from django.contrib.sessions.backends.cached_db import SessionStore

        for key in keys:
            SessionStore(session_key=key).delete(key)
    return deleted


def end_sessions(user) -> int:
    """Delete every live session of ``user`` (a User or its pk); returns how many.

    A cache-only session backend cannot be enumerated, so we log and leave
    it (Member.can_use_portal and the admin role check still shut the
    portals on the next request).
    """
    engine = settings.SESSION_ENGINE
    if engine not in DB_ENGINES:
        logger.warning("end_sessions: cannot enumerate sessions of backend %s", engine)
        return 0
    return end_session_keys(session_keys_of(user))
