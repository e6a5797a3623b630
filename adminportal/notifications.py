"""Tell a location's admins that something needs their eyes (R2.7, R5.3)."""

from functools import partial

from django.db import transaction

from organizations.models import Location
from organizations.permissions import location_admin_users

from .models import Notification
from .tasks import send_notification_email


@transaction.atomic
def notify_location_admins(
    *, location: Location, kind: str, message: str, member=None, actor=None, status_change=None
) -> list[Notification]:
    """One unread notification per admin of the location, in the caller's
    transaction, each emailed once that transaction commits (a rolled-back
    change emails no one)."""
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
        )
        for user in location_admin_users(location)
    )
    for notification in notifications:
        # robust: the change is committed; a broker that is down must not turn
        # the response into an error. The periodic sweep sends it later.
        transaction.on_commit(partial(send_notification_email.delay, notification.pk), robust=True)
    return notifications
