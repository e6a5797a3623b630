"""Where member actions hand their changes to the integration pipeline (R3.2).

Called inside the action's transaction so the event commits with the change.
The integration issue replaces this body with the real outbox write.
"""


class MemberEvent:
    CREATED = "member.created"
    STATUS_CHANGED = "member.status_changed"
    UPDATED = "member.updated"
    REMOVED = "member.removed"


def record_member_event(*, member, event: str) -> None:
    """Record that ``member`` changed; delivery happens after commit."""
