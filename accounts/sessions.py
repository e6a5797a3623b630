"""Ending a person's sessions when they lose access (R2.7, R4.6).

Losing access in one organization ends only that organization's access:
the portals check it on every request (portal/decorators.py,
organizations/decorators.py), so the closed one refuses at once. Sessions
end only when the person has no usable access left anywhere (issue 10,
items 2 and 3), or when the login itself goes (support switches it off,
the person deletes their account).

The session engine (accounts/session_store.py) stores each session with the
id of the user it is logged in as, written on every save: a login, a
password change (which cycles the key) or any later save keeps it right.
Ending a person's sessions is then one indexed DELETE, whatever the number
of live sessions.
"""

import logging

from django.conf import settings

logger = logging.getLogger(__name__)

ENGINE = "accounts.session_store"


def end_sessions(user) -> int:
    """Delete every live session of ``user`` (a User or its pk); returns how many.

    Another session backend cannot be searched by user, so we log and leave
    it (Member.can_use_portal and the admin role check still shut the
    portals on the next request).
    """
    from .models import LoginSession

    if settings.SESSION_ENGINE != ENGINE:
        logger.warning("end_sessions: cannot find sessions by user in %s", settings.SESSION_ENGINE)
        return 0
    user_id = getattr(user, "pk", user)
    return LoginSession.objects.filter(user_id=user_id).delete()[0]
