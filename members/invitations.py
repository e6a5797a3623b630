"""Invitations to the member portal (R4.1–R4.3) and the "Get started" link.

allauth does not do invitations, so the link is ours: a random token of
which only a SHA-256 hash is stored, good for 24 hours and once, confirmed
with a POST from the page it opens (mail scanners follow links with GET).
Issuing a link revokes the member's earlier ones.

The inviting transaction writes an Invitation row without a token: the
durable record that an email is owed (the same outbox pattern as the
integration events). After commit a task claims the row, issues the token,
mails it and marks it sent; rows whose task never ran (broker down, worker
killed) are swept from beat. So a token never travels through the broker,
a rolled-back invitation never mails anyone, and a committed one is never
lost. A member's earlier links are revoked only once the new email is sent.
"""

import hashlib
import logging
import secrets
import smtplib
from datetime import timedelta

from allauth.account.models import EmailAddress
from celery.exceptions import Retry
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from guardian.shortcuts import assign_perm

from accounts.emails import login_for_address, mark_proven, normalized
from accounts.models import User
from companies.models import Company
from config.broker import publish
from integrations.outbox import MemberEvent, record_member_event
from organizations.models import Location, Organization, OrganizationAdmin
from organizations.permissions import admin_locations, can_manage_location

from .models import Invitation, Member, MemberStatus, PortalAccess, Via
from .services import member_create, member_link_user

logger = logging.getLogger(__name__)

REMINDER_AFTER = timedelta(days=3)
#: Reminders go out between 3 and 4 days after the latest invitation: an
#: organization that switches reminders on does not remind everyone who has
#: been pending for months, and a missed hourly run is caught by the next.
REMINDER_WINDOW = timedelta(days=1)
#: Invitations per sending task (and per reminder batch): small enough to
#: go out well within the task's 120-second soft time limit even on a slow
#: mail server (about a second an email).
SEND_CHUNK = 100
#: A claim older than this is taken back by the sweep (the task's hard time
#: limit is 3 minutes); a row handed to the broker is left to its task for
#: as long.
SEND_LEASE = timedelta(minutes=10)
#: Younger unsent rows are still in the hands of their own on-commit task;
#: a scheduled retry gets this long to run before the sweep steps in.
SWEEP_GRACE = timedelta(minutes=2)


def retry_delay(send_attempts: int) -> timedelta:
    """How long after its ``send_attempts``-th failed try a row is tried
    again: 1, 2, 4, ... minutes, at most a day. Both the task's retry and
    the sweep follow it, so the attempts are spread over hours, not burnt
    in minutes by two schedulers at once."""
    return timedelta(minutes=2 ** min(max(send_attempts - 1, 0), 10))


class InvitationInvalid(Exception):
    """The link is unknown, used, revoked, expired, or its member cannot accept."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[token])


def ensure_user(email: str) -> User:
    """The login that stands for ``email`` (accounts/emails.py), created
    without a password if there is none.

    Created at invitation time (seed 001: "their account is automatically
    created"), so that once the 24-hour link has run out the person can
    still get in with an emailed code, which proves the address. An
    existing login (say, a member of another organization) is reused only
    when it proved the address or nobody can use it without proving it.
    """
    user = login_for_address(email)
    if user is None:
        user = User.objects.create_user(email=email, password=None)
    return user


def ensure_users(emails: list[str]) -> None:
    """``ensure_user`` for many addresses in a fixed number of queries.

    A login that proved an address it does not carry (allauth kept such
    rows before ACCOUNT_CHANGE_EMAIL) still stands for it: the login
    created here beside it is never chosen (``login_for_address``)."""
    emails = sorted({normalized(e) for e in emails if e})
    unusable = make_password(None)
    quote = connection.ops.quote_name
    addresses, users = quote(EmailAddress._meta.db_table), quote(User._meta.db_table)
    for start in range(0, len(emails), 2000):
        chunk = emails[start : start + 2000]
        # Existing logins (any case) are left alone by the unique constraints.
        User.objects.bulk_create(
            [User(email=email, password=unusable) for email in chunk],
            batch_size=2000,
            ignore_conflicts=True,
        )
        # Each new login's address row, unverified until the person proves it
        # (accounts/emails.address_record). One INSERT ... SELECT: reading the
        # new ids back and inserting them from here doubled the time of a
        # 10,000-row mass invite.
        marks = ", ".join(["%s"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {addresses} (user_id, email, verified, {quote('primary')}) "
                f"SELECT u.id, LOWER(u.email), %s, %s FROM {users} u WHERE u.email IN ({marks}) "
                f"AND NOT EXISTS (SELECT 1 FROM {addresses} a WHERE a.user_id = u.id)",
                [False, True, *chunk],
            )


# ---------------------------------------------------------------- inviting


def _check_invitable(member: Member) -> None:
    if not member.email:
        raise ValidationError({"email": "An invitation needs an email address."})
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(
            f"{member.full_name} is {member.get_status_display()}; only active members are invited."
        )
    if member.portal_access == PortalAccess.DEACTIVATED:
        raise ValidationError(
            f"{member.full_name}'s access is deactivated. Activate it instead of inviting again."
        )
    if member.portal_access == PortalAccess.ACTIVE:
        raise ValidationError(f"{member.full_name} already uses the member portal.")


@transaction.atomic
def member_invite(*, member: Member, actor=None, via: str = Via.ADMIN) -> Member:
    """Invite an existing member to the member portal (portal access → pending).

    Who may invite whom is the caller's policy (admin views check the
    location, the My-team page checks its own policy). Inviting a member who
    is already pending sends a fresh link, like ``invitation_resend``.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.portal_access == PortalAccess.PENDING:
        return invitation_resend(member=member, actor=actor)
    _check_invitable(member)
    ensure_user(member.email)
    member.portal_access = PortalAccess.PENDING
    member.invited_at = timezone.now()
    member.first_login_at = None
    member.save(update_fields=["portal_access", "invited_at", "first_login_at", "updated_at"])
    record_member_event(member=member, event=MemberEvent.UPDATED)
    invitations_queue([member], invited_by_id=getattr(actor, "pk", None))
    return member


@transaction.atomic
def invitation_resend(*, member: Member, actor=None) -> Member:
    """A fresh 24-hour link for a pending member (R4.3).

    Earlier links stop working once the new email is sent (not before: if
    sending fails, the person still has the link they had). Resending
    starts a new invitation round, so the 3-day reminder counts from now.

    An email that already failed (its attempts ran out, or it waits for a
    retry after a mail-server error) is withdrawn and a fresh one queued:
    the admin's Resend is the "try again now" the failure message offers.
    Only an email that has not been tried yet counts as still on its way.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.portal_access != PortalAccess.PENDING:
        raise ValidationError(
            f"Only pending invitations can be resent; {member.full_name}'s portal access is "
            f"{member.get_portal_access_display().lower()}."
        )
    if member.status != MemberStatus.ACTIVE or not member.email:
        # Nothing would be sent (the sending task skips them): say so.
        _check_invitable(member)
    now = timezone.now()
    member.invited_at = now
    member.save(update_fields=["invited_at", "updated_at"])
    owed = Invitation.objects.filter(
        member=member,
        sent_at__isnull=True,
        claimed_at__isnull=True,
        revoked_at__isnull=True,
        used_at__isnull=True,
    )
    # Tried and failed: no token of theirs was delivered, so nothing is lost.
    owed.filter(send_attempts__gt=0).update(revoked_at=now)
    waiting = owed.filter(send_attempts=0, reminded_at__isnull=True).exists()
    if not waiting:
        # A second click before the first email left needs no second email.
        invitations_queue([member], invited_by_id=getattr(actor, "pk", None))
    return member


def resend_note(member: Member) -> str:
    """What the person who clicked Resend is told (R4.3), truthfully: the
    earlier links are revoked once the new email has left, not at the
    click (so a failed send never leaves the person with no link)."""
    return (
        f"A new invitation is on its way to {member.email}. Earlier links stop working as "
        "soon as it has been sent; the new link works for 24 hours from then."
    )


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
                # Queued after commit; the sweep waits for that task.
                # Should the broker refuse it, this is cleared again.
                next_attempt_at=now + SEND_LEASE,
            )
            for member in members
        ],
        batch_size=2000,
    )
    ids = [row.pk for row in rows]
    if ids:
        # robust: the invitation is committed; a failing callback must not
        # turn the response into an error (this one does not raise anyway,
        # and the sweep sends what it could not queue).
        transaction.on_commit(lambda: enqueue_invitation_chunks(ids), robust=True)
    return ids


def enqueue_invitation_chunks(invitation_ids: list[int]) -> int:
    """One sending task per chunk; returns how many chunks were queued.
    Stops at the first refusal: with the broker down, trying the other
    chunks of a 10,000-row paste would only keep the admin waiting."""
    queued = 0
    for start in range(0, len(invitation_ids), SEND_CHUNK):
        if not enqueue_invitation_emails(invitation_ids[start : start + SEND_CHUNK]):
            # No task holds these: let the next sweep have them.
            Invitation.objects.filter(
                pk__in=invitation_ids[start:], sent_at__isnull=True, claimed_at__isnull=True
            ).update(next_attempt_at=None)
            break
        queued += 1
    return queued


def enqueue_invitation_emails(invitation_ids: list[int]) -> bool:
    """Hand invitations to a worker. Never raises: the rows are committed,
    and whatever the broker refuses is picked up by the sweep."""
    from .tasks import send_invitations

    try:
        return publish(send_invitations, invitation_ids)
    except (Retry, InvitationSendFailed):
        # Eager mode (no broker): the task ran here and the mail server
        # failed; the rows it released already carry their retry time.
        return True


def _check_admin_grant(actor, organization, locations, permissions) -> None:
    """An admin grants only what they hold: no one escalates by inviting."""
    for perm in permissions:
        allowed = set(admin_locations(actor, organization, perm).values_list("pk", flat=True))
        for location in locations:
            if location.pk not in allowed:
                raise PermissionDenied(
                    f"You cannot grant “{perm.split('.')[-1].replace('_', ' ')}” at "
                    f"{location.name}: you do not hold it there."
                )


@transaction.atomic
def member_invite_new(
    *,
    organization: Organization,
    location: Location,
    first_name: str,
    last_name: str = "",
    email: str,
    phone: str = "",
    company: Company | None = None,
    is_manager: bool = False,
    actor,
    as_admin: bool = False,
    admin_permissions: tuple[str, ...] = (),
    admin_location_list: tuple[Location, ...] = (),
) -> Member:
    """Invite one person (R4.1): a new pending member, optionally an admin too."""
    if not can_manage_location(actor, location):
        raise PermissionDenied("You do not manage customers at this location.")
    if company is not None and company.location_id != location.pk:
        raise ValidationError({"company": f"{company.name} is not at {location.name}."})
    if not email.strip():
        raise ValidationError({"email": "An invitation needs an email address."})
    member = member_create(
        organization=organization,
        location=location,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        company=company,
        is_manager=is_manager,
        actor=actor,
        via=Via.ADMIN,
    )
    if as_admin:
        for loc in admin_location_list:
            if loc.organization_id != organization.pk:
                raise PermissionDenied("That location belongs to another organization.")
        _check_admin_grant(actor, organization, admin_location_list, admin_permissions)
        user = ensure_user(member.email)
        OrganizationAdmin.objects.get_or_create(
            organization=organization, user=user, defaults={"invited_member": member}
        )
        for perm in admin_permissions:
            for loc in admin_location_list:
                assign_perm(perm, user, loc)
    member_invite(member=member, actor=actor, via=Via.ADMIN)
    return member


# ----------------------------------------------------------------- sending


class InvitationSendFailed(Exception):
    """The mail server refused or could not be reached; the task retries
    after ``retry_in`` seconds (the released rows' ``next_attempt_at``)."""

    def __init__(self, message: str, *, retry_in: int = 60):
        super().__init__(message)
        self.retry_in = retry_in


def invitation_email(member: Member, token: str, *, reminder: bool = False) -> EmailMessage:
    context = {
        "member": member,
        "organization": member.organization,
        "location": member.location,
        "url": invitation_url(token),
        "hours": Invitation.LIFETIME_HOURS,
        "reminder": reminder,
        "login_url": settings.SITE_URL + reverse("account_login"),
    }
    subject = (
        f"Reminder: your invitation to {member.organization.name}"
        if reminder
        else f"You're invited to {member.organization.name}"
    )
    return EmailMessage(
        subject=subject,
        body=render_to_string("members/email/invitation.txt", context),
        to=[member.email],
    )


def _sendable(member: Member) -> bool:
    return (
        member.portal_access == PortalAccess.PENDING
        and member.status == MemberStatus.ACTIVE
        and bool(member.email)
    )


@transaction.atomic
def _claim(invitation_ids: list[int]) -> list[tuple[Invitation, str]]:
    """Take the owed rows among ``invitation_ids`` and issue their tokens.

    ``skip_locked`` and the lease make the on-commit task and the sweep
    safe to overlap: a row is mailed by whoever claims it. Rows that should
    not go out any more (member no longer pending, or a newer link is on
    its way) are withdrawn instead.
    """
    now = timezone.now()
    newer = Invitation.objects.filter(
        member_id=OuterRef("member_id"),
        pk__gt=OuterRef("pk"),
        used_at__isnull=True,
        revoked_at__isnull=True,
    )
    rows = list(
        Invitation.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            pk__in=invitation_ids,
            sent_at__isnull=True,
            used_at__isnull=True,
            revoked_at__isnull=True,
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - SEND_LEASE))
        .annotate(superseded=Exists(newer))
        .select_related("member", "member__organization", "member__location")
        .order_by("pk")
    )
    withdrawn = [r.pk for r in rows if r.superseded or not _sendable(r.member)]
    if withdrawn:
        Invitation.objects.filter(pk__in=withdrawn).update(revoked_at=now)
    pairs = []
    for invitation in rows:
        if invitation.pk in withdrawn:
            continue
        token = secrets.token_urlsafe(32)
        invitation.token_hash = hash_token(token)
        invitation.expires_at = now + timedelta(hours=Invitation.LIFETIME_HOURS)
        invitation.claimed_at = now
        invitation.send_attempts += 1
        pairs.append((invitation, token))
    Invitation.objects.bulk_update(
        [i for i, _ in pairs],
        ["token_hash", "expires_at", "claimed_at", "send_attempts"],
        batch_size=SEND_CHUNK,
    )
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
    Invitation.objects.filter(pk__in=ids).update(sent_at=now)
    newer_sent = Invitation.objects.filter(
        pk__in=ids, member_id=OuterRef("member_id"), pk__gt=OuterRef("pk")
    )
    Invitation.objects.filter(
        member_id__in=[i.member_id for i in invitations],
        used_at__isnull=True,
        revoked_at__isnull=True,
    ).filter(Exists(newer_sent)).update(revoked_at=now)


def _release(invitations: list[Invitation]) -> timedelta:
    """Give claimed rows back unsent: their tokens were never delivered.
    They are due again after ``retry_delay``, which is returned; the sweep
    leaves them to the task's own retry until a grace period after that."""
    delay = retry_delay(max((i.send_attempts for i in invitations), default=1))
    if invitations:
        Invitation.objects.filter(pk__in=[i.pk for i in invitations], sent_at__isnull=True).update(
            claimed_at=None,
            token_hash=None,
            expires_at=None,
            next_attempt_at=timezone.now() + delay + SWEEP_GRACE,
        )
    return delay


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
                message = invitation_email(
                    invitation.member, token, reminder=invitation.reminded_at is not None
                )
                connection.send_messages([message])
                sent.append(invitation)
    except BaseException as exc:
        _mark_sent(sent)
        delay = _release([i for i, _ in pairs[len(sent) :]])
        if isinstance(exc, (smtplib.SMTPException, OSError)):
            raise InvitationSendFailed(
                f"{len(pairs) - len(sent)} invitation emails not sent",
                retry_in=int(delay.total_seconds()),
            ) from exc
        raise
    _mark_sent(sent)
    return len(sent)


def invitations_send_unsent(*, grace: timedelta = SWEEP_GRACE, now=None) -> int:
    """Queue every invitation email still owed: its task never reached the
    broker, a worker died holding it, or it gave up retrying. Returns how
    many invitations were queued. Run from beat."""
    now = now or timezone.now()
    ids = list(
        Invitation.objects.filter(
            sent_at__isnull=True,
            used_at__isnull=True,
            revoked_at__isnull=True,
            send_attempts__lt=Invitation.MAX_SEND_ATTEMPTS,
            created_at__lte=now - grace,
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - SEND_LEASE))
        # Queued within the lease, or a retry still scheduled: its task has it.
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:20_000]
    )
    if ids:
        # Before queueing, so a fast failure's backoff is not overwritten.
        Invitation.objects.filter(pk__in=ids).update(next_attempt_at=now + SEND_LEASE)
    enqueue_invitation_chunks(ids)
    return len(ids)


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


# --------------------------------------------------------------- accepting


def invitation_for_token(token: str) -> Invitation | None:
    """The usable invitation behind ``token``, or None."""
    if not token or len(token) > 100:
        return None
    invitation = (
        Invitation.objects.filter(token_hash=hash_token(token))
        .select_related("member", "member__organization", "organization")
        .first()
    )
    if invitation is None or not invitation.is_usable():
        return None
    member = invitation.member
    if member.portal_access != PortalAccess.PENDING or member.status != MemberStatus.ACTIVE:
        return None
    return invitation


class InvitationRefused(Exception):
    """The link is good, but accepting it this way is refused; the message
    says why. The link is not used up."""


class InvitationNeedsLogin(InvitationRefused):
    """The record belongs to a login whose address is no longer the one the
    link went to: the link does not prove that login, its password or an
    emailed code does. Once logged in, the person accepts it there."""


def invited_admin_role(member: Member) -> OrganizationAdmin | None:
    """The admin role invited along with this record (the invite form's
    Administrator switch), granted to the login of the invited address."""
    return (
        OrganizationAdmin.objects.filter(invited_member_id=member.pk).select_related("user").first()
    )


def link_login(member: Member, role: OrganizationAdmin | None = None) -> User | None:
    """The login that using this record's link makes the person (None: one
    is created). The link proves the member's address; so it is the login
    that stands for that address (accounts/emails.py), unless the record
    already has one (invited back after a removal) or its admin role was
    granted to one at invitation time: the invitation belongs to its
    record, and the person must not end up split over two logins."""
    if member.user_id is not None:
        return member.user
    if role is not None:
        return role.user
    return login_for_address(member.email)


def may_link_other_login(member: Member, role: OrganizationAdmin | None, user) -> bool:
    """Whether the person may accept this invitation with ``user``, a login
    of another address they are logged in as. Not when the record or its
    admin role already belongs to another login."""
    if member.user_id is not None and member.user_id != user.pk:
        return False
    return role is None or role.user_id == user.pk


def _lock_usable(token: str) -> tuple[Invitation, Member]:
    invitation = (
        Invitation.objects.select_for_update()
        .filter(token_hash=hash_token(token or ""))
        .select_related("member")
        .first()
    )
    if invitation is None or not invitation.is_usable():
        raise InvitationInvalid
    member = Member.objects.select_for_update().get(pk=invitation.member_id)
    if member.portal_access != PortalAccess.PENDING or member.status != MemberStatus.ACTIVE:
        raise InvitationInvalid
    return invitation, member


def _accept(member: Member, user, *, invitation: Invitation | None = None) -> Member:
    """Link ``user`` to the pending ``member`` and open the portal: the
    invitation's links die, and the "New" label ends."""
    if not user.is_active:
        raise InvitationInvalid
    try:
        member_link_user(member=member, user=user)
    except ValidationError as refused:
        # This login already belongs to another member here; accepting
        # would give one person two records. An admin sorts that out.
        raise InvitationRefused(
            f"{user.email} already has a member record at {member.organization.name}, so it "
            "cannot accept this invitation too. Ask its admins to sort the two records out."
        ) from refused
    now = timezone.now()
    if invitation is not None:
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
    Invitation.objects.filter(member=member, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    member.first_login_at = member.first_login_at or now
    member.save(update_fields=["first_login_at", "updated_at"])
    record_member_event(member=member, event=MemberEvent.UPDATED)
    return member


@transaction.atomic
def invitation_accept(*, token: str, user=None) -> Member:
    """Use the link (R4.2): link the member to a login and open the portal.

    Without ``user``, the person proved the member's address by using the
    link: the login that stands for it (``link_login``) is linked, created
    if need be, and its address marked proven. With ``user``, the person
    chose, logged in as another login, to accept with that one.

    Raises InvitationInvalid when the link cannot be used (any reason: the
    page says the same thing, and sends the person to the normal login),
    InvitationRefused when it can, but not this way.
    """
    invitation, member = _lock_usable(token)
    role = invited_admin_role(member)
    if user is not None:
        if not may_link_other_login(member, role, user):
            raise InvitationRefused(
                f"This invitation makes {member.email} an administrator of "
                f"{member.organization.name}, so it can only be accepted as {member.email}: "
                "log out and continue as that address."
            )
        return _accept(member, user, invitation=invitation)
    user = link_login(member, role) or ensure_user(member.email)
    if normalized(user.email) != normalized(member.email) or not mark_proven(user, member.email):
        raise InvitationNeedsLogin(
            "This invitation is for a login you already have: log in with your password "
            "or an emailed code, and accept it there."
        )
    return _accept(member, user, invitation=invitation)


@transaction.atomic
def invitation_accept_by_login(*, member: Member, user) -> Member:
    """A logged-in person accepts a pending invitation addressed to them
    (issue 10, item 2): to an address this login has proven, or to a record
    already linked to it. The "Invitations waiting for you" page's button;
    logging in alone accepts nothing."""
    from .selectors import invitations_addressed_to

    member = Member.objects.select_for_update().get(pk=member.pk)
    if not invitations_addressed_to(user).filter(pk=member.pk).exists():
        raise InvitationInvalid
    role = invited_admin_role(member)
    if role is not None and role.user_id != user.pk:
        # Granted to the login of the invited address, which is this one
        # only if it proved that address (accounts/emails.py).
        raise InvitationRefused(
            f"This invitation makes {member.email} an administrator of "
            f"{member.organization.name}: log in as {member.email} to accept it."
        )
    return _accept(member, user)


def members_logged_in(*, user) -> None:
    """After any successful login: end the "New" label on the member
    records this login is linked to (R4.4)."""
    # In every organization: a login is not made inside one.
    with scopes_disabled():
        Member.objects.filter(user=user, first_login_at__isnull=True).update(
            first_login_at=timezone.now()
        )
