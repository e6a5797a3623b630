"""Tell a location's admins that something needs their eyes (R2.7, R5.3)."""

from django.db import transaction
from django.utils import timezone

from organizations.models import Location
from organizations.permissions import MANAGE_CUSTOMERS, location_admin_users
from outbox import engine, timing

from .models import Notification
from .unread import forget_unread


@transaction.atomic
def notify_location_admins(
    *,
    location: Location,
    kind: str,
    message: str,
    member=None,
    actor=None,
    status_change=None,
    perm: str = MANAGE_CUSTOMERS,
    join_request=None,
    status_request=None,
) -> list[Notification]:
    """One unread notification per admin of the location holding ``perm``, in
    the caller's transaction, each emailed once that transaction commits (a
    rolled-back change emails no one)."""
    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        Notification(
            organization_id=location.organization_id,
            location=location,
            recipient=user,
            kind=kind,
            message=message,
            member=member,
            actor=actor,
            status_change=status_change,
            join_request=join_request,
            status_request=status_request,
            enqueued_at=now,  # handed to its task at commit
        )
        for user in location_admin_users(location, perm)
    )
    # Each notification is its own "email owed" row (the outbox kind
    # "notification_email"): what the broker refuses now, the sweep sends.
    engine.record(timing.NOTIFICATION_EMAIL, [n.pk for n in notifications])
    forget_unread(location.organization_id)
    return notifications
