"""The pipeline switches a connection off when its remote says it is gone
for good (a webhook receiver's 410 Gone), and tells the admins."""

from django.db import transaction
from django.utils import timezone

from .admin_notices import tell_admins_connection_off
from .models import Connection


@transaction.atomic
def connection_switch_off(*, connection: Connection, reason: str) -> bool:
    """Switch ``connection`` off with ``reason`` shown on it; False when it was
    off already (two deliveries that both got 410 notify once)."""
    now = timezone.now()
    switched = Connection.objects.filter(pk=connection.pk, enabled=True).update(
        enabled=False, switched_off_at=now, switched_off_reason=reason[:300], updated_at=now
    )
    if switched:
        tell_admins_connection_off(
            organization_id=connection.organization_id,
            message=f"{connection.name} was switched off. {reason}"[:500],
        )
    return bool(switched)
