"""Emails that go with admin notifications (R2.7, R5.3): the outbox kind
"notification_email" (outbox/engine.py; its timing in outbox/timing.py).

At least once: the notification is claimed for a lease (a redelivered task,
acks_late, or the sweep finds it taken), sent, and only then marked emailed.
A worker killed mid-send leaves it claimed and unsent; once the lease has run
out the sweep sends it again, a second time if the mail server had taken the
first: a duplicate notice is better than a lost one.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from emails.render import branded_email
from members.approval_links import decision_token
from outbox import engine, timing

from .models import Notification

logger = logging.getLogger(__name__)

KIND = timing.NOTIFICATION_EMAIL

#: Older ones are stale news: the in-app list still shows them, the sweep
#: does not email them any more.
SWEEP_HORIZON = timedelta(days=1)


@shared_task(acks_late=True, ignore_result=True, **timing.task_limits(KIND))
def send_notification_email(notification_id: int) -> bool:
    """Email one notification to its admin; returns whether it sent one."""
    now = timezone.now()
    if not engine.claim(KIND, notification_id, now=now):
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
        "status_request",
    ).get(pk=notification_id)
    if not notification.recipient.is_active:
        # Nothing is owed to a login that was switched off.
        engine.complete(KIND, [notification_id], emailed_at=now)
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
        **_decision_links(notification),
    }
    try:
        branded_email(
            "notifications/email/notification",
            context,
            to=[notification.recipient.email],
            organization=notification.organization,
            location=notification.location,
            reader=notification.recipient,
        ).send()
    except Exception as exc:  # noqa: BLE001 - any mail failure: retried with backoff
        logger.warning("Notification %s email failed: %s", notification_id, exc)
        engine.fail(KIND, [notification_id], str(exc), attempt=notification.attempts)
        return False
    engine.complete(KIND, [notification_id], emailed_at=timezone.now())
    return True


def _decision_links(notification: Notification) -> dict:
    """An approval notice (R8.2) carries Approve and Reject links, each signed
    for its request and decision (members/approval_links.py)."""
    status_request = notification.status_request
    if status_request is None:
        return {}
    links = {"status_request": status_request}
    for decision in ("approve", "reject"):
        path = reverse(
            "adminportal:approval_decide",
            args=[notification.organization.slug, status_request.pk, decision],
        )
        token = decision_token(status_request.pk, decision)
        links[f"{decision}_url"] = f"{settings.SITE_URL}{path}?token={token}"
    return links


def register() -> None:
    engine.register(
        engine.Kind(
            name=KIND,
            model=Notification,
            task=send_notification_email,
            owed=lambda now: Q(emailed_at__isnull=True),
            sweepable=lambda rows, now: rows.filter(created_at__gte=now - SWEEP_HORIZON),
        )
    )
