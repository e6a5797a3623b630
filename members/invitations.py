"""Invitations to the member portal (R4.1–R4.3) and the "Get started" link.

allauth does not do invitations, so the link is ours: a random token of
which only a SHA-256 hash is stored, good for 24 hours and once, confirmed
with a POST from the page it opens (mail scanners follow links with GET).
Issuing a link revokes the member's earlier ones.

The token exists only in the email: links are issued by the sending task,
after the inviting transaction committed, so a token never travels through
the broker and a rolled-back invitation never mails anyone.
"""

import hashlib
import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import User
from companies.models import Company
from integrations.outbox import MemberEvent, record_member_event
from organizations.models import Location, Organization, OrganizationAdmin
from organizations.permissions import MANAGE_CUSTOMERS, admin_locations, can_manage_location

from .models import Invitation, Member, MemberStatus, PortalAccess, Via
from .services import member_create, member_link_user

REMINDER_AFTER = timedelta(days=3)


class InvitationInvalid(Exception):
    """The link is unknown, used, revoked, expired, or its member cannot accept."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[token])


def ensure_user(email: str) -> User:
    """The login for ``email``, created without a password if there is none.

    Created at invitation time (seed 001: "their account is automatically
    created"), so that once the 24-hour link has run out the person can
    still get in with an emailed code. An existing login (say, a member of
    another organization) is reused.
    """
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None)
    return user


def ensure_users(emails: list[str]) -> None:
    """``ensure_user`` for many addresses in a fixed number of queries."""
    emails = sorted({e.strip().lower() for e in emails if e})
    existing: set[str] = set()
    for start in range(0, len(emails), 2000):
        chunk = emails[start : start + 2000]
        existing.update(
            e.lower() for e in User.objects.filter(email__in=chunk).values_list("email", flat=True)
        )
    unusable = make_password(None)
    User.objects.bulk_create(
        [User(email=email, password=unusable) for email in emails if email not in existing],
        batch_size=2000,
        ignore_conflicts=True,
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
    _send_after_commit([member.pk], actor)
    return member


@transaction.atomic
def invitation_resend(*, member: Member, actor=None) -> Member:
    """A fresh 24-hour link for a pending member; earlier links stop working (R4.3)."""
    if member.portal_access != PortalAccess.PENDING:
        raise ValidationError(
            f"Only pending invitations can be resent; {member.full_name}'s portal access is "
            f"{member.get_portal_access_display().lower()}."
        )
    if member.status != MemberStatus.ACTIVE or not member.email:
        # Nothing would be sent (send_invitation_emails skips them): say so
        # instead of revoking the working link for nothing.
        _check_invitable(member)
    Invitation.objects.filter(member=member, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    _send_after_commit([member.pk], actor)
    return member


def _send_after_commit(member_ids: list[int], actor) -> None:
    from .tasks import send_invitations

    actor_id = getattr(actor, "pk", None)
    # robust: the invitation is committed; a broker that is down must not turn
    # the response into an error. The member shows as pending, and Resend works.
    transaction.on_commit(partial(send_invitations.delay, member_ids, actor_id), robust=True)


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
        OrganizationAdmin.objects.get_or_create(organization=organization, user=user)
        for perm in admin_permissions:
            for loc in admin_location_list:
                assign_perm(perm, user, loc)
    member_invite(member=member, actor=actor, via=Via.ADMIN)
    return member


# ----------------------------------------------------------------- sending


def issue_invitations(members: list[Member], *, invited_by_id=None, reminder=False) -> list[tuple]:
    """New links for ``members`` (revoking their earlier ones); returns
    (member, token) pairs. Called by the sending task."""
    now = timezone.now()
    Invitation.objects.filter(
        member__in=[m.pk for m in members], used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    pairs, rows = [], []
    for member in members:
        token = secrets.token_urlsafe(32)
        pairs.append((member, token))
        rows.append(
            Invitation(
                organization_id=member.organization_id,
                member=member,
                token_hash=hash_token(token),
                invited_by_id=invited_by_id,
                created_at=now,
                expires_at=now + timedelta(hours=Invitation.LIFETIME_HOURS),
                reminded_at=now if reminder else None,
            )
        )
    Invitation.objects.bulk_create(rows)
    return pairs


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


def send_invitation_emails(member_ids: list[int], *, invited_by_id=None, reminder=False) -> int:
    """Issue links and mail them to those of ``member_ids`` still pending."""
    members = list(
        Member.objects.filter(
            pk__in=member_ids,
            portal_access=PortalAccess.PENDING,
            status=MemberStatus.ACTIVE,
        )
        .exclude(email="")
        .select_related("organization", "location")
    )
    if not members:
        return 0
    with transaction.atomic():
        pairs = issue_invitations(members, invited_by_id=invited_by_id, reminder=reminder)
    messages = [invitation_email(m, token, reminder=reminder) for m, token in pairs]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


def invitations_send_reminders(*, now=None) -> int:
    """Once, 3 days after an unaccepted invitation, where the organization
    enabled reminders (R4.3). Returns how many were sent."""
    now = now or timezone.now()
    due = (
        Member.objects.filter(
            portal_access=PortalAccess.PENDING,
            status=MemberStatus.ACTIVE,
            invited_at__lte=now - REMINDER_AFTER,
            organization__invitation_reminders=True,
        )
        .exclude(invitations__reminded_at__isnull=False)
        .values_list("pk", flat=True)
    )
    ids = list(due)
    sent = 0
    for start in range(0, len(ids), 500):
        sent += send_invitation_emails(ids[start : start + 500], reminder=True)
    return sent


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


@transaction.atomic
def invitation_accept(*, token: str) -> Member:
    """Use the link: link the login to the member and open the portal (R4.2).

    Raises InvitationInvalid when the link cannot be used (any reason: the
    page says the same thing, and sends the person to the normal login).
    """
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
    # A record that had a login (removed, then invited back) keeps it.
    user = member.user if member.user_id is not None else ensure_user(member.email)
    if not user.is_active:
        raise InvitationInvalid
    if member.user_id is None and (
        Member.objects.filter(organization_id=member.organization_id, user=user).exists()
    ):
        # This login already belongs to another member here; accepting
        # would give one person two records. An admin sorts that out.
        raise InvitationInvalid
    now = timezone.now()
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    Invitation.objects.filter(member=member, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    member_link_user(member=member, user=user)
    record_member_event(member=member, event=MemberEvent.UPDATED)
    return member


@transaction.atomic
def invitations_on_login(*, user) -> None:
    """After any successful login: accept pending invitations sent to this
    address or to a record already linked to this login (invited back after
    a removal), and end the "New" label on the user's member records."""
    pending = Member.objects.select_for_update().filter(
        Q(user__isnull=True, email__iexact=user.email) | Q(user=user),
        status=MemberStatus.ACTIVE,
        portal_access=PortalAccess.PENDING,
    )
    taken = set(
        Member.objects.filter(user=user)
        .exclude(portal_access=PortalAccess.PENDING)
        .values_list("organization_id", flat=True)
    )
    now = timezone.now()
    for member in pending:
        if member.user_id is None and member.organization_id in taken:
            continue
        Invitation.objects.filter(
            member=member, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        member_link_user(member=member, user=user)
        record_member_event(member=member, event=MemberEvent.UPDATED)
        taken.add(member.organization_id)
    Member.objects.filter(user=user, first_login_at__isnull=True).update(first_login_at=now)


def invite_refusal(*, user, member: Member) -> str | None:
    """Why an admin may not invite or resend for ``member`` (None: they may)."""
    if (
        not admin_locations(user, member.organization, MANAGE_CUSTOMERS)
        .filter(pk=member.location_id)
        .exists()
    ):
        return "You do not manage customers at this member's location."
    return None
