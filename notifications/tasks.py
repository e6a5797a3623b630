"""Emails that go with admin notifications (R2.7, R5.3)."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from emails.render import branded_email
from outbox.broker import publish

from .models import Notification

logger = logging.getLogger(__name__)


#: A claim older than this is taken back by the sweep: well above the task's
#: 60 s hard time limit, so only a send whose worker died is taken back.
EMAIL_LEASE = timedelta(minutes=5)


def _claimable(now):
    return Q(emailed_at__isnull=True) & (
        Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - EMAIL_LEASE)
    )


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

    At least once, like invitations: the notification is claimed for a lease
    (a redelivered task, acks_late, or the sweep finds it taken), sent, and
    only then marked emailed. A worker killed mid-send leaves it claimed and
    unsent; once the lease has run out the sweep sends it again, a second
    time if the mail server had taken the first: a duplicate notice is
    better than a lost one. A failed send gives the claim back and retries.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(_claimable(now), pk=notification_id).update(
        email_claimed_at=now
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
        # Nothing is owed to a login that was switched off.
        Notification.objects.filter(pk=notification_id).update(emailed_at=now)
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
        "cta_url": settings.SITE_URL + path,
    }
    try:
        branded_email(
            "notifications/email/notification",
            context,
            to=[notification.recipient.email],
            organization=notification.organization,
            location=notification.location,
        ).send()
    except Exception as exc:
        Notification.objects.filter(pk=notification_id, email_claimed_at=now).update(
            email_claimed_at=None
        )
        logger.warning("Notification %s email failed: %s", notification_id, exc)
        raise self.retry(exc=exc) from exc
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
    return True


#: Younger notifications are still in the hands of their own on-commit task.
SWEEP_GRACE = timedelta(minutes=2)
#: Older ones are stale news; the in-app list still shows them.
SWEEP_HORIZON = timedelta(days=1)


@shared_task(soft_time_limit=60, time_limit=90)
def send_unsent_notification_emails() -> int:
    """Queue the email of every recent notification still owed: its task
    never reached the broker (Redis down at commit), gave up, or its worker
    died mid-send (after the claim's lease). Returns how many were queued."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(
            _claimable(now),
            created_at__lte=now - SWEEP_GRACE,
            created_at__gte=now - SWEEP_HORIZON,
        ).values_list("pk", flat=True)[:1000]
    )
    queued = 0
    for pk in ids:
        if not publish(send_notification_email, pk):
            break  # the broker is away: the next sweep
        queued += 1
    return queued
