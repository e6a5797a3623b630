"""Reads for the integrations pages, each a fixed number of queries."""

from datetime import timedelta

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from tenancy.scoping import scoped

from .models import Connection, Delivery, DeliveryStatus


def connections_with_health(*, organization):
    """Connections with last success, failures in the last hour, dead and
    waiting counts: one query for the whole list.

    "Failures in the last hour" counts deliveries with an attempt that failed
    in the last hour, including those a later attempt got through: a remote
    that fails every other request is not healthy. A skipped delivery sent
    nothing, so it is not a success.
    """
    hour_ago = timezone.now() - timedelta(hours=1)
    return scoped(Connection, organization).annotate(
        last_success_at=Max(
            "deliveries__succeeded_at",
            filter=Q(deliveries__status=DeliveryStatus.SUCCEEDED),
        ),
        failures_last_hour=Count("deliveries", filter=Q(deliveries__last_failed_at__gte=hour_ago)),
        dead_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.DEAD)),
        waiting_count=Count(
            "deliveries",
            filter=Q(
                deliveries__status__in=[
                    DeliveryStatus.PENDING,
                    DeliveryStatus.FAILED,
                    DeliveryStatus.IN_FLIGHT,
                ]
            ),
        ),
    )


def deliveries_for_log(*, organization):
    return scoped(Delivery, organization).select_related("connection", "event", "member")


def integration_health(*, organization) -> dict:
    """What the dashboard shows of the integrations: how many connections
    need attention (switched off by their remote, or enabled with dead
    deliveries or failures in the last hour, as the connections page marks
    them) and how many deliveries are dead. Two queries."""
    hour_ago = timezone.now() - timedelta(hours=1)
    failing = Exists(
        Delivery.objects.filter(connection=OuterRef("pk")).filter(
            Q(status=DeliveryStatus.DEAD) | Q(last_failed_at__gte=hour_ago)
        )
    )
    attention = (
        scoped(Connection, organization)
        .filter(Q(switched_off_at__isnull=False) | Q(failing, enabled=True))
        .count()
    )
    dead = scoped(Delivery, organization).filter(status=DeliveryStatus.DEAD).count()
    return {"connections_needing_attention": attention, "dead_deliveries": dead}
