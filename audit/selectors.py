from .models import AuditEntry, Verb


def member_history(member_id: int, *, verbs=None):
    """A member's entries, newest first, with their actors (R6.3)."""
    entries = AuditEntry.objects.filter(member_id=member_id).select_related("actor")
    if verbs is not None:
        entries = entries.filter(verb__in=verbs)
    return entries


def status_history(member_id: int):
    return member_history(member_id, verbs=[Verb.MEMBER_STATUS_CHANGED])
