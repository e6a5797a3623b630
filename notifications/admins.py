"""Tell a location's admins that something needs their eyes (R2.7, R5.3)."""

import logging

from django.db import transaction

from organizations.models import Location
from organizations.permissions import MANAGE_CUSTOMERS, location_admin_users
from outbox.broker import publish

from .models import Notification
from .tasks import send_notification_email

logger = logging.getLogger(__name__)


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
) -> list[Notification]:
    """One unread notification per admin of the location holding ``perm``, in
    the caller's transaction, each emailed once that transaction commits (a
    rolled-back change emails no one)."""
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
        )
        for user in location_admin_users(location, perm)
    )
    ids = [n.pk for n in notifications]
    if ids:
        # robust: the change is committed; a failing callback must not turn
        # the response into an error. Each notification is its own "email
        # owed" row (emailed_at is null): what the broker refuses now, the
        # beat sweep (notifications.tasks.send_unsent_notification_emails) sends.
        transaction.on_commit(lambda: enqueue_notification_emails(ids), robust=True)
    return notifications


def enqueue_notification_emails(notification_ids: list[int]) -> None:
    """Queue one email task per notification; never raises. Stops at the
    first refusal: the sweep sends the rest."""
    for pk in notification_ids:
        try:
            if not publish(send_notification_email, pk):
                return
        except Exception as exc:  # noqa: BLE001 - eager mode: the send failed here
            logger.warning("notification email failed (%s); the sweep will send it", exc)
            return
