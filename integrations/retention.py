"""Retention (issue 15, item 4): what was delivered long ago leaves the tables.

Beat runs ``integrations.prune`` every hour. Each run deletes, in batches of
``INTEGRATIONS_PRUNE_BATCH`` rows per query and at most
``INTEGRATIONS_PRUNE_MAX_BATCHES`` batches per table (a run never holds the
database for long; the next run goes on where this one stopped):

- deliveries that got through (Delivered, or Skipped: nothing to send)
  longer ago than ``INTEGRATIONS_RETENTION_DAYS``;
- events older than that, fanned out, with no delivery left, that are not
  their member's latest event.

What stays, whatever its age:

- dead deliveries (and so their events), until an admin retries them
  (Retry now) or deletes the connection: a dead letter is work owed;
- unfinished deliveries (pending, sending, failed);
- each member's latest event: the next event's ``sequence`` counts on from
  it (``outbox.next_sequences``), and a receiver ignores a lower one;
- ``RemoteAddress`` rows: they say where a system may still hold something
  of a member, and go only when that system confirmed nothing is left.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import Delivery, DeliveryStatus, OutboxEvent

DONE = (DeliveryStatus.SUCCEEDED, DeliveryStatus.SKIPPED)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _batched_delete(queryset, *, batch: int, max_batches: int) -> int:
    """Delete ``queryset``'s rows ``batch`` ids at a time: two short
    statements per batch instead of one that locks the whole set."""
    deleted = 0
    for _ in range(max_batches):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            break
        deleted += (
            queryset.model.objects.filter(pk__in=ids).delete()[1].get(queryset.model._meta.label, 0)
        )
        if len(ids) < batch:
            break
    return deleted


def prune(*, now=None) -> dict[str, int]:
    """Delete what the retention period has passed; returns counts."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=_setting("INTEGRATIONS_RETENTION_DAYS", 30))
    batch = _setting("INTEGRATIONS_PRUNE_BATCH", 5000)
    max_batches = _setting("INTEGRATIONS_PRUNE_MAX_BATCHES", 20)

    deliveries = Delivery.objects.filter(status__in=DONE, succeeded_at__lt=cutoff)
    has_delivery = Delivery.objects.filter(event_id=OuterRef("pk"))
    later_event = OutboxEvent.objects.filter(
        member_ref=OuterRef("member_ref"), pk__gt=OuterRef("pk")
    )
    events = (
        OutboxEvent.objects.filter(processed_at__isnull=False, created_at__lt=cutoff)
        .filter(~Exists(has_delivery))
        .filter(Exists(later_event))
    )
    return {
        "deliveries": _batched_delete(deliveries, batch=batch, max_batches=max_batches),
        "events": _batched_delete(events, batch=batch, max_batches=max_batches),
    }
