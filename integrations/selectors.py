"""Reads for the integrations pages, each a fixed number of queries."""

from datetime import timedelta

from django.db.models import Count, Max, Q
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
