"""Invitations to the member portal (R4.1–R4.3) and the "Get started" link.

allauth does not do invitations, so the link is ours: a random token of
which only a SHA-256 hash is stored, good for 24 hours and once, confirmed
with a POST from the page it opens (mail scanners follow links with GET).
Issuing a link revokes the member's earlier ones.

The inviting transaction writes an Invitation row without a token: the
durable record that an email is owed, the outbox kind "invitation_email"
(outbox/engine.py; its lease, backoff and attempts in outbox/timing.py).
After commit a task claims each row, issues its token, mails it and marks
it sent; rows whose task never ran (broker down, worker killed) are swept
from beat. So a token never travels through the broker, a rolled-back
invitation never mails anyone, and a committed one is never lost. A
member's earlier links are revoked only once the new email is sent.
"""

import hashlib
import secrets
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from emails.render import branded_email
from members.models import Invitation, Member, MemberStatus, PortalAccess
from outbox import engine, timing

KIND = timing.INVITATION_EMAIL

REMINDER_AFTER = timedelta(days=3)


#: Reminders go out between 3 and 4 days after the latest invitation: an
#: organization that switches reminders on does not remind everyone who has
#: been pending for months, and a missed hourly run is caught by the next.
REMINDER_WINDOW = timedelta(days=1)


#: Invitations per sending task (and per reminder batch): small enough to
#: go out well within the task's soft time limit even on a slow mail server
#: (about a second an email).
SEND_CHUNK = 100


def owed() -> Q:
    """Invitation rows whose email is still to be sent."""
    return Q(sent_at__isnull=True, used_at__isnull=True, revoked_at__isnull=True)


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[token])


def invitations_queue(members, *, invited_by_id=None, reminder: bool = False) -> list[int]:
    """Record that an invitation email is owed to each of ``members``, in the
    caller's transaction, and hand the rows to the sending task once it
    commits. Returns the new invitations' ids."""
    now = timezone.now()
    rows = Invitation.objects.bulk_create(
        [
            Invitation(
                organization_id=member.organization_id,
                member_id=member.pk,
                invited_by_id=invited_by_id,
                created_at=now,
                reminded_at=now if reminder else None,
                enqueued_at=now,  # handed to its task at commit
            )
            for member in members
        ],
        batch_size=2000,
    )
    ids = [row.pk for row in rows]
    engine.record(KIND, ids)
    return ids


class InvitationSendFailed(Exception):
    """The mail server refused or could not be reached; the task retries
    after ``retry_in`` seconds (the released rows' ``next_attempt_at``)."""

    def __init__(self, message: str, *, retry_in: int = 60):
        super().__init__(message)
        self.retry_in = retry_in


def invitation_email(
    invitation: Invitation, token: str, *, connection=None
) -> EmailMultiAlternatives:
    """The invitation (or its reminder) with the link for ``token``, in the
    organization's brand, saying when the link stops working."""
    member = invitation.member
    return branded_email(
        "members/email/invitation",
        {
            "member": member,
            "cta_url": invitation_url(token),
            "hours": Invitation.LIFETIME_HOURS,
            "reminder": invitation.reminded_at is not None,
            "login_url": settings.SITE_URL + reverse("account_login"),
        },
        to=[member.email],
        organization=member.organization,
        location=member.location,
        expires_at=invitation.expires_at,
        # A linked login's own language; a new person reads the organization's.
        reader=member.user,
        connection=connection,
    )


def _sendable(member: Member) -> bool:
    return (
        member.portal_access == PortalAccess.PENDING
        and member.status == MemberStatus.ACTIVE
        and bool(member.email)
    )


def _claim(invitation_ids: list[int]) -> list[tuple[Invitation, str]]:
    """Take the owed rows among ``invitation_ids`` and issue their tokens,
    each by the engine's conditional UPDATE: the on-commit task and the
    sweep may overlap, a row is mailed by whoever claims it. Rows that
    should not go out any more (member no longer pending, or a newer link
    is on its way) are withdrawn instead."""
    now = timezone.now()
    newer = Invitation.objects.filter(
        member_id=OuterRef("member_id"),
        pk__gt=OuterRef("pk"),
        used_at__isnull=True,
        revoked_at__isnull=True,
    )
    rows = list(
        engine.claimable(KIND, now)
        .filter(pk__in=invitation_ids)
        .annotate(superseded=Exists(newer))
        .select_related("member", "member__organization", "member__location", "member__user")
        .order_by("pk")
    )
    withdrawn = [r.pk for r in rows if r.superseded or not _sendable(r.member)]
    if withdrawn:
        engine.claimable(KIND, now).filter(pk__in=withdrawn).update(revoked_at=now)
    pairs = []
    expires_at = now + timedelta(hours=Invitation.LIFETIME_HOURS)
    for invitation in rows:
        if invitation.pk in withdrawn:
            continue
        token = secrets.token_urlsafe(32)
        token_hash = hash_token(token)
        if engine.claim(KIND, invitation.pk, now=now, token_hash=token_hash, expires_at=expires_at):
            invitation.token_hash, invitation.expires_at = token_hash, expires_at
            invitation.attempts += 1
            pairs.append((invitation, token))
    return pairs


@transaction.atomic
def _mark_sent(invitations: list[Invitation]) -> None:
    """The emails left: mark them sent, and only now end the members'
    earlier links (revoking before would leave nobody a working link if
    the send failed)."""
    if not invitations:
        return
    now = timezone.now()
    ids = [i.pk for i in invitations]
    engine.complete(KIND, ids, sent_at=now)
    newer_sent = Invitation.objects.filter(
        pk__in=ids, member_id=OuterRef("member_id"), pk__gt=OuterRef("pk")
    )
    Invitation.objects.filter(
        member_id__in=[i.member_id for i in invitations],
        used_at__isnull=True,
        revoked_at__isnull=True,
    ).filter(Exists(newer_sent)).update(revoked_at=now)


def _release(invitations: list[Invitation], error: str) -> timedelta:
    """Give claimed rows back unsent: their tokens were never delivered.
    The engine schedules each row's next attempt (backoff by its attempts);
    returns the longest wait."""
    by_attempts: dict[int, list[int]] = {}
    for invitation in invitations:
        by_attempts.setdefault(invitation.attempts, []).append(invitation.pk)
    for attempt, ids in by_attempts.items():
        engine.fail(KIND, ids, error, attempt=attempt, where=Q(sent_at__isnull=True))
    return engine.backoff(KIND, max(by_attempts, default=1))


def invitations_send(invitation_ids: list[int]) -> int:
    """Issue and mail the owed invitations among ``invitation_ids``; returns
    how many were sent. Raises InvitationSendFailed (after recording what
    did go out) when the mail server fails, so the task can retry.

    Whatever stops the loop (a mail-server error, the task's soft time
    limit, a bug), the emails that left are marked sent and the rest given
    back before the exception goes on: otherwise the sweep would take the
    whole chunk again after the lease, mail the sent ones a second time
    and kill the links they already had.
    """
    pairs = _claim(invitation_ids)
    if not pairs:
        return 0
    sent: list[Invitation] = []
    try:
        with get_connection() as connection:
            for invitation, token in pairs:
                message = invitation_email(invitation, token, connection=connection)
                connection.send_messages([message])
                sent.append(invitation)
    except BaseException as exc:
        _mark_sent(sent)
        delay = _release([i for i, _ in pairs[len(sent) :]], f"{exc!r}")
        if isinstance(exc, (smtplib.SMTPException, OSError)):
            raise InvitationSendFailed(
                f"{len(pairs) - len(sent)} invitation emails not sent",
                retry_in=int(delay.total_seconds()),
            ) from exc
        raise
    _mark_sent(sent)
    return len(sent)


def members_due_a_reminder(*, now=None):
    """Pending members whose latest invitation round (invite or resend) is
    3 to 4 days old and has had no reminder yet, where the organization
    enabled reminders (R4.3)."""
    now = now or timezone.now()
    reminded_this_round = Invitation.objects.filter(
        member_id=OuterRef("pk"),
        reminded_at__isnull=False,
        created_at__gte=OuterRef("invited_at"),
    )
    return (
        Member.objects.filter(
            portal_access=PortalAccess.PENDING,
            status=MemberStatus.ACTIVE,
            invited_at__lte=now - REMINDER_AFTER,
            invited_at__gt=now - REMINDER_AFTER - REMINDER_WINDOW,
            organization__invitation_reminders=True,
        )
        .exclude(email="")
        .filter(~Exists(reminded_this_round))
    )


def invitations_send_reminders(*, now=None) -> int:
    """Queue one reminder per due member, with a fresh link (R4.3).
    Returns how many were queued; the emails go out after commit."""
    ids = list(members_due_a_reminder(now=now).values_list("pk", flat=True))
    queued = 0
    for start in range(0, len(ids), SEND_CHUNK):
        with transaction.atomic():
            # Checked again under the lock: an accept or a resend may have
            # come in since the ids were read.
            members = list(
                Member.objects.select_for_update()
                .filter(pk__in=ids[start : start + SEND_CHUNK])
                .filter(pk__in=members_due_a_reminder(now=now).values("pk"))
            )
            invitations_queue(members, reminder=True)
            queued += len(members)
    return queued


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
