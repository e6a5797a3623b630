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

import logging

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from guardian.shortcuts import assign_perm

from accounts.emails import login_for_address, mark_proven, normalized
from accounts.models import User
from audit import log
from audit.models import Verb, Via
from companies.models import Company
from companies.policy import new_member_refusal
from members.actions.records import member_create, member_link_user
from members.invitation_emails import hash_token, invitations_queue
from members.models import Invitation, Member, MemberStatus, PortalAccess
from members.policy import Uninvitable, uninvitable
from members.selectors import invitations_addressed_to
from organizations.models import Location, Organization, OrganizationAdmin
from organizations.permissions import admin_location_ids, can_manage_location

logger = logging.getLogger(__name__)


class InvitationInvalid(Exception):
    """The link is unknown, used, revoked, expired, or its member cannot accept."""


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
    """members/policy.py ``uninvitable`` decides; this says it to an admin."""
    reason = uninvitable(member)
    if reason == Uninvitable.NO_EMAIL:
        raise ValidationError({"email": _("An invitation needs an email address.")})
    if reason == Uninvitable.NOT_ACTIVE:
        raise ValidationError(
            _("%(full_name)s is %(status)s; only active members are invited.")
            % {"full_name": member.full_name, "status": member.get_status_display()}
        )
    if reason == Uninvitable.DEACTIVATED:
        raise ValidationError(
            _("%(full_name)s's access is deactivated. Activate it instead of inviting again.")
            % {"full_name": member.full_name}
        )
    if reason == Uninvitable.ALREADY_IN:
        raise ValidationError(
            _("%(full_name)s already uses the member portal.") % {"full_name": member.full_name}
        )


@transaction.atomic
def member_invite(*, member: Member, actor=None, via: str = Via.ADMIN) -> Member:
    """Invite an existing member to the member portal (portal access → pending).

    Who may invite whom is the caller's policy (admin views check the
    location, the My-team page checks its own policy). Inviting a member who
    is already pending sends a fresh link, like ``invitation_resend``.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.portal_access == PortalAccess.PENDING:
        return invitation_resend(member=member, actor=actor, via=via)
    _check_invitable(member)
    ensure_user(member.email)
    member.portal_access = PortalAccess.PENDING
    member.invited_at = timezone.now()
    member.first_login_at = None
    before = member.portal_access
    member.save(update_fields=["portal_access", "invited_at", "first_login_at", "updated_at"])
    log.record(
        verb=Verb.INVITATION_SENT,
        via=via,
        actor=actor,
        subject=member,
        before={"portal_access": before},
        after={"portal_access": member.portal_access},
    )
    invitations_queue([member], invited_by_id=getattr(actor, "pk", None))
    return member


@transaction.atomic
def invitation_resend(*, member: Member, actor=None, via: str = Via.ADMIN) -> Member:
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
            _(
                "Only pending invitations can be resent; %(full_name)s's "
                "portal access is %(portal_access)s."
            )
            % {
                "full_name": member.full_name,
                "portal_access": member.get_portal_access_display().lower(),
            }
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
        lease_expires_at__isnull=True,
        revoked_at__isnull=True,
        used_at__isnull=True,
    )
    # Tried and failed: no token of theirs was delivered, so nothing is lost.
    owed.filter(attempts__gt=0).update(revoked_at=now)
    waiting = owed.filter(attempts=0, reminded_at__isnull=True).exists()
    log.record(verb=Verb.INVITATION_RESENT, via=via, actor=actor, subject=member)
    if not waiting:
        # A second click before the first email left needs no second email.
        invitations_queue([member], invited_by_id=getattr(actor, "pk", None))
    return member


def resend_note(member: Member) -> str:
    """What the person who clicked Resend is told (R4.3), truthfully: the
    earlier links are revoked once the new email has left, not at the
    click (so a failed send never leaves the person with no link)."""
    return _(
        "A new invitation is on its way to %(email)s. Earlier links stop working as "
        "soon as it has been sent; the new link works for 24 hours from then."
    ) % {"email": member.email}


def _check_admin_grant(actor, organization, locations, permissions) -> None:
    """An admin grants only what they hold: no one escalates by inviting."""
    for perm in permissions:
        allowed = admin_location_ids(actor, organization, perm)
        for location in locations:
            if location.pk not in allowed:
                raise PermissionDenied(
                    _("You cannot grant “%(replace)s” at %(location)s: you do not hold it there.")
                    % {"replace": perm.split(".")[-1].replace("_", " "), "location": location.name}
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
        raise PermissionDenied(_("You do not manage customers at this location."))
    refusal = new_member_refusal(company, location)
    if refusal:
        raise ValidationError({"company": refusal})
    if not email.strip():
        raise ValidationError({"email": _("An invitation needs an email address.")})
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
                raise PermissionDenied(_("That location belongs to another organization."))
        _check_admin_grant(actor, organization, admin_location_list, admin_permissions)
        user = ensure_user(member.email)
        role, _created = OrganizationAdmin.objects.get_or_create(
            organization=organization, user=user, defaults={"invited_member": member}
        )
        for perm in admin_permissions:
            for loc in admin_location_list:
                assign_perm(perm, user, loc)
        log.record(
            verb=Verb.ADMIN_PERMISSIONS_CHANGED,
            via=Via.ADMIN,
            actor=actor,
            subject=role,
            member=member,
            after={
                "permissions": sorted(admin_permissions),
                "location_ids": sorted(loc.pk for loc in admin_location_list),
            },
        )
    member_invite(member=member, actor=actor, via=Via.ADMIN)
    return member


# ----------------------------------------------------------------- sending


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
    log.record(
        verb=Verb.INVITATION_ACCEPTED,
        via=Via.PORTAL,
        actor=user,
        subject=member,
        after={"invitation_id": getattr(invitation, "pk", None)},
    )
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
                _(
                    "This invitation makes %(email)s an administrator of %(organization)s, "
                    "so it can only be accepted as %(email)s: log out and continue as that "
                    "address."
                )
                % {"email": member.email, "organization": member.organization.name}
            )
        return _accept(member, user, invitation=invitation)
    user = link_login(member, role) or ensure_user(member.email)
    if normalized(user.email) != normalized(member.email) or not mark_proven(user, member.email):
        raise InvitationNeedsLogin(
            _(
                "This invitation is for a login you already have: log in with your password "
                "or an emailed code, and accept it there."
            )
        )
    return _accept(member, user, invitation=invitation)


@transaction.atomic
def invitation_accept_by_login(*, member: Member, user) -> Member:
    """A logged-in person accepts a pending invitation addressed to them
    (issue 10, item 2): to an address this login has proven, or to a record
    already linked to it. The "Invitations waiting for you" page's button;
    logging in alone accepts nothing."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not invitations_addressed_to(user).filter(pk=member.pk).exists():
        raise InvitationInvalid
    role = invited_admin_role(member)
    if role is not None and role.user_id != user.pk:
        # Granted to the login of the invited address, which is this one
        # only if it proved that address (accounts/emails.py).
        raise InvitationRefused(
            _(
                "This invitation makes %(email)s an administrator of %(organization)s: "
                "log in as %(email)s to accept it."
            )
            % {"email": member.email, "organization": member.organization.name}
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
