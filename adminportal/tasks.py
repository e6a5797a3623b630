"""Emails that go with admin notifications (R2.7, R5.3)."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=5,
    default_retry_delay=60,
    soft_time_limit=30,
    time_limit=60,
)
def send_notification_email(self, notification_id: int) -> bool:
    """Email one notification to its admin; returns whether it sent one.

    The conditional UPDATE claims the notification, so a redelivered task
    (acks_late) does not send it twice; a failed send gives the claim back
    and retries.
    """
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related(
        "organization",
        "location",
        "recipient",
        "actor",
        "member",
        "member__company",
        "status_change",
        "status_change__actor",
    ).get(pk=notification_id)
    if not notification.recipient.is_active:
        return False
    # The notification itself (open or resolved by the time it is read), not
    # the list, where it may be on another page or already hidden as resolved.
    path = reverse(
        "adminportal:notification", args=[notification.organization.slug, notification.pk]
    )
    context = {
        "notification": notification,
        "change": notification.status_change,
        "member": notification.member,
        "url": settings.SITE_URL + path,
    }
    try:
        send_mail(
            subject=_subject(notification),
            message=render_to_string("adminportal/email/notification.txt", context),
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
    except Exception as exc:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        logger.warning("Notification %s email failed: %s", notification_id, exc)
        raise self.retry(exc=exc) from exc
    return True


def _subject(notification: Notification) -> str:
    subject = f"{notification.get_kind_display()}: {notification.member or ''}".strip(": ")
    # One line whatever a name holds: a line break in a header is refused.
    return " ".join(subject.split())


#: Younger notifications are still in the hands of their own on-commit task.
SWEEP_GRACE = timedelta(minutes=2)
#: Older ones are stale news; the in-app list still shows them.
SWEEP_HORIZON = timedelta(days=1)


@shared_task(soft_time_limit=60, time_limit=90)
def send_unsent_notification_emails() -> int:
    """Queue the email of every recent notification that has none yet: its
    task never reached the broker (Redis down at commit) or gave up."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__lte=now - SWEEP_GRACE,
            created_at__gte=now - SWEEP_HORIZON,
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        send_notification_email.delay(pk)
    return len(ids)
