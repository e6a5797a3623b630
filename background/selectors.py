"""Has background work run lately? Read by pages that would otherwise promise
retries, reminders or automatic Former that nothing is running."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Heartbeat
from .tasks import WORKER


def silent_minutes() -> int:
    return int(getattr(settings, "BACKGROUND_SILENT_AFTER_MINUTES", 5))


def worker_is_silent() -> bool:
    """No worker has run beat's heartbeat within ``silent_minutes()``: one
    query."""
    since = timezone.now() - timedelta(minutes=silent_minutes())
    return not Heartbeat.objects.filter(name=WORKER, seen_at__gte=since).exists()
