"""The email telling a contact person what an admin decided about their
request (R8.2): the outbox kind "approval_decision_email" (outbox/engine.py,
its timing in outbox/timing.py), on ``StatusRequest`` rows.

Deciding marks the row owed (``enqueued_at``) in the decision's
transaction; the task claims it for a lease, sends, and only then marks it
emailed. At least once: a worker killed mid-send leaves it owed and the
sweep sends it again after the lease.
"""

import logging

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from emails.render import branded_email
from outbox import engine, timing

from .models import StatusRequest

logger = logging.getLogger(__name__)

KIND = timing.APPROVAL_DECISION_EMAIL


def owed() -> Q:
    """Decided (approved or rejected) and not emailed yet. A withdrawn
    request tells no one: the change that withdrew it has its own story."""
    return Q(
        decision__in=[StatusRequest.Decision.APPROVED, StatusRequest.Decision.REJECTED],
        decision_emailed_at__isnull=True,
    )


def decision_email_send(status_request_id: int) -> bool:
    """Email one decision to whoever asked; returns whether it sent one."""
    now = timezone.now()
    if not engine.claim(KIND, status_request_id, now=now):
        return False
    status_request = StatusRequest.objects.select_related(
        "organization", "member", "member__company", "member__location", "requested_by"
    ).get(pk=status_request_id)
    asker = status_request.requested_by
    if asker is None or not asker.is_active or not asker.email:
        # Nothing is owed to a login that is gone or switched off.
        engine.complete(KIND, [status_request_id], decision_emailed_at=now)
        return False
    member = status_request.member
    context = {
        "status_request": status_request,
        "member": member,
        "approved": status_request.decision == StatusRequest.Decision.APPROVED,
        "cta_url": settings.SITE_URL
        + reverse("portal:team", kwargs={"org_slug": status_request.organization.slug}),
    }
    try:
        branded_email(
            "members/email/approval_decision",
            context,
            to=[asker.email],
            organization=status_request.organization,
            location=member.location,
        ).send()
    except Exception as exc:  # noqa: BLE001 - any mail failure: retried with backoff
        logger.warning("Approval decision %s email failed: %s", status_request_id, exc)
        engine.fail(KIND, [status_request_id], str(exc), attempt=status_request.attempts)
        return False
    engine.complete(KIND, [status_request_id], decision_emailed_at=timezone.now())
    return True
