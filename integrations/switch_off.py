"""The pipeline switches a connection off when its remote says it is gone
for good (a webhook receiver's 410 Gone); the admins hear of it through the
audit log (notifications/reactions.py)."""

from django.db import transaction
from django.utils import timezone

from audit import log
from audit.models import Verb, Via

from .models import Connection


@transaction.atomic
def connection_switch_off(*, connection: Connection, reason: str) -> bool:
    """Switch ``connection`` off with ``reason`` shown on it; False when it was
    off already (two deliveries that both got 410 record and notify once)."""
    now = timezone.now()
    reason = reason[:300]
    switched = Connection.objects.filter(pk=connection.pk, enabled=True).update(
        enabled=False, switched_off_at=now, switched_off_reason=reason, updated_at=now
    )
    if switched:
        log.record(
            verb=Verb.CONNECTION_SWITCHED_OFF,
            via=Via.SYSTEM,
            organization=connection.organization_id,
            subject=connection,
            before={"enabled": True},
            after={"enabled": False, "name": connection.name},
            reason=reason,
        )
    return bool(switched)
