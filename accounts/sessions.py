"""Ending a person's sessions when they lose access (R2.7, R4.6)."""

import logging

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

logger = logging.getLogger(__name__)

DB_ENGINES = {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}


def end_sessions(user) -> int:
    """Delete every live session of ``user`` (a User or its pk); returns how many.

    Sessions are opaque blobs keyed by a random id, so the only way to find a
    user's is to decode each live one. That is fine for the database backend
    at our scale; a cache-only backend cannot be enumerated, so we log and
    leave it (Member.can_use_portal still shuts the portal on the next request).
    """
    user_id = str(getattr(user, "pk", user))
    engine = settings.SESSION_ENGINE
    if engine not in DB_ENGINES:
        logger.warning("end_sessions: cannot enumerate sessions of backend %s", engine)
        return 0
    doomed = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == user_id
    ]
    if not doomed:
        return 0
    Session.objects.filter(session_key__in=doomed).delete()
    if engine.endswith("cached_db"):
        from django.contrib.sessions.backends.cached_db import SessionStore

        for key in doomed:
            SessionStore(session_key=key).delete(key)
    return len(doomed)
