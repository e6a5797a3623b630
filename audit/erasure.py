"""Erasure reaches the log (R5.3): the facts stay (what changed, when, by
which door), what the person told us about themselves goes."""

from django.db import transaction
from django.dispatch import Signal

from .log import PERSONAL_KEYS
from .models import AuditEntry


def _blank(values: dict) -> dict:
    return {key: ("" if key in PERSONAL_KEYS else value) for key, value in values.items()}


@transaction.atomic
def erase_member_from_log(member_id: int) -> int:
    """Blank the personal data in the entries about ``member_id``; returns
    how many were changed. The reason goes too: people write names in it."""
    entries = list(AuditEntry.objects.filter(member_id=member_id))
    for entry in entries:
        entry.before, entry.after, entry.reason = _blank(entry.before), _blank(entry.after), ""
    AuditEntry.objects.bulk_update(entries, ["before", "after", "reason"], batch_size=500)
    return len(entries)


def erase_actor_from_log(user_id: int) -> int:
    """What a deleted login did stays in the log, no longer under its address."""
    return AuditEntry.objects.filter(actor_id=user_id).update(actor_label="")


#: Sent with ``member`` and ``user`` by the erasure action (R5.3) before it
#: blanks the record, while the names to look for are still on it: every
#: app that keeps a copy of what the person told us blanks its copy.
erasing = Signal()
