from celery import shared_task
from django.utils import timezone

from .models import Heartbeat

WORKER = "worker"


@shared_task(name="background.heartbeat", ignore_result=True, expires=55)
def heartbeat() -> None:
    """Sent by beat every minute (expires before the next one is sent: a
    backlog of them proves nothing). Running it is the proof."""
    hostname = heartbeat.request.hostname or ""
    Heartbeat.objects.update_or_create(
        name=WORKER, defaults={"seen_at": timezone.now(), "seen_by": hostname[:200]}
    )
