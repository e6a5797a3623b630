"""Telling admins, read from the audit log (R2.7, R4.5, R5.3).

Each reaction writes its notices in the transaction of the change it reports
(a rolled-back change tells no one) and finds its subject by the entry's
ids, never by wording.
"""

import re

from django.db.models import Q
from django.utils import timezone

from audit.erasure import erasing
from audit.log import reaction
from audit.models import Verb, Via
from companies.models import Company
from members.models import JoinRequest, Member, MemberStatus, StatusChange, StatusRequest
from members.policy import DELETED_NAME, team_role_of
from organizations.models import Location
from organizations.permissions import MANAGE_SETTINGS
from tenancy.scoping import scoped

from .admins import notify_location_admins
from .models import Notification
from .unread import forget_unread


def _actor_label(actor, company) -> str:
    member = scoped(Member, company.organization_id).filter(user=actor).first()
    name = member.full_name if member else actor.email
    return f"{name} ({team_role_of(member, company)} of {company.name})"


@reaction(Verb.JOIN_REQUEST_SUBMITTED)
def tell_of_join_requests(entries) -> None:
    for entry in entries:
        join_request = JoinRequest.objects.select_related("location").get(pk=entry.subject_id)
        notify_location_admins(
            location=join_request.location,
            kind=Notification.Kind.JOIN_REQUEST,
            message=f"{join_request.full_name} asked to join {join_request.location.name}.",
            join_request=join_request,
        )


@reaction(Verb.TEAM_MEMBER_ADDED)
def tell_of_members_added(entries) -> None:
    for entry in entries:
        if "requested_status" in entry.after:
            continue  # awaits approval: the request's notice says it all
        member = Member.objects.select_related("company", "location").get(pk=entry.member_id)
        notify_location_admins(
            location=member.location,
            kind=Notification.Kind.MEMBER_ADDED,
            message=(
                f"{_actor_label(entry.actor, member.company)} added {member.full_name} "
                f"as {member.get_status_display()}."
            ),
            member=member,
            actor=entry.actor,
        )


@reaction(Verb.APPROVAL_REQUESTED)
def ask_for_approvals(entries) -> None:
    """A contact person wants someone Active and the organization wants an
    admin to approve first (R8.2): the location's admins are asked."""
    for entry in entries:
        status_request = StatusRequest.objects.select_related(
            "member", "member__company", "member__location"
        ).get(pk=entry.subject_id)
        member = status_request.member
        if status_request.invites_on_approval:
            wants = f"added {member.full_name} as Active"
        else:
            wants = (
                f"wants {member.full_name} moved from {status_request.get_from_status_display()} "
                f"to {status_request.get_to_status_display()}"
            )
        notify_location_admins(
            location=member.location,
            kind=Notification.Kind.APPROVAL,
            message=f"{_actor_label(entry.actor, member.company)} {wants}: approve or reject."[
                :500
            ],
            member=member,
            actor=entry.actor,
            status_request=status_request,
        )


CLOSES_WITH = {
    Verb.APPROVAL_APPROVED: Notification.Resolution.APPROVED,
    Verb.APPROVAL_REJECTED: Notification.Resolution.REJECTED,
    Verb.APPROVAL_WITHDRAWN: Notification.Resolution.WITHDRAWN,
}


@reaction(*CLOSES_WITH)
def close_approval_notices(entries) -> None:
    """Decided (or withdrawn) once: every admin's copy of the question closes."""
    now = timezone.now()
    for entry in entries:
        notices = Notification.objects.filter(
            organization_id=entry.organization_id,
            status_request_id=entry.subject_id,
            resolution=Notification.Resolution.OPEN,
        )
        notices.filter(read_at__isnull=True).update(read_at=now)
        forget_unread(entry.organization_id)
        notices.update(resolution=CLOSES_WITH[entry.verb], resolved_by=entry.actor, resolved_at=now)


@reaction(Verb.MEMBER_STATUS_CHANGED)
def tell_of_teammates_leaving_active(entries) -> None:
    """A contact person took a teammate out of Active: the admins may revert it."""
    for entry in entries:
        if entry.via != Via.PORTAL or entry.before.get("status") != MemberStatus.ACTIVE:
            continue
        member = Member.objects.select_related("company", "location").get(pk=entry.member_id)
        change = StatusChange.of(entry)
        notify_location_admins(
            location=member.location,
            kind=Notification.Kind.STATUS_CHANGED,
            message=(
                f"{_actor_label(entry.actor, member.company)} changed {member.full_name} from "
                f"{change.get_from_status_display()} to {change.get_to_status_display()}."
            ),
            member=member,
            actor=entry.actor,
            status_change=change,
        )


MOVE_WORDS = {
    Verb.TEAM_MOVED_OUT: "{actor} moved {company} out of {location}: {count} member(s) set to "
    "Former, memberships end on {end_date}. {reason}",
    Verb.TEAM_MOVED: "{actor} moved {company}'s team ({count} member(s)) from {location} to "
    "{to_location}. {reason}",
    Verb.TEAM_MOVE_UNDONE: "{actor} undid a move of {company} at {location}: {count} member(s) "
    "put back.",
}


@reaction(*MOVE_WORDS)
def tell_of_team_moves(entries) -> None:
    """A whole team moved (issue 14, item 3): one notice to the location's
    admins for the move, not one per member."""
    for entry in entries:
        location = Location.objects.get(pk=entry.after["from_location_id"])
        to_location = (
            Location.objects.get(pk=entry.after["to_location_id"])
            if entry.after.get("to_location_id")
            else None
        )
        company = Company.objects.get(pk=entry.after["company_id"])
        notify_location_admins(
            location=location,
            kind=Notification.Kind.TEAM_MOVED,
            message=MOVE_WORDS[entry.verb]
            .format(
                actor=entry.actor_label or "The system",
                company=company.name,
                location=location.name,
                to_location=getattr(to_location, "name", ""),
                count=entry.after.get("members", 0),
                end_date=entry.after.get("end_date", ""),
                reason=entry.reason,
            )
            .strip()[:500],
            actor=entry.actor,
        )


@reaction(Verb.MEMBER_ERASED)
def tell_of_erasures(entries) -> None:
    for entry in entries:
        member = Member.objects.select_related("company", "location").get(pk=entry.member_id)
        # The notice names the record, not the person: their name is part of
        # what they asked us to erase.
        of_company = f" of {member.company.name}" if member.company else ""
        notify_location_admins(
            location=member.location,
            kind=Notification.Kind.ACCOUNT_DELETED,
            message=(
                f"Member #{member.pk}{of_company} deleted their account. The record stays as "
                f"“{DELETED_NAME}”: review their memberships and billing."
            ),
            member=member,
        )


def _erase_name_from_notifications(sender, member, user, **kwargs) -> int:
    """Admin notices about the person, or by them as a contact person, name
    them; their name and email are part of what they asked us to erase.
    The notices stay (the change they record happened), as "Deleted user".
    Only notices tied to this person (by id) are rewritten, never a namesake's."""
    related = Q(member=member) | Q(actor=user) | Q(join_request__member=member)
    notices = Notification.objects.filter(related, organization_id=member.organization_id)
    texts = {member.full_name, member.email, user.email} - {""}
    if not texts:
        return 0
    # Whole words only: a short name ("Al") must not be cut out of "Almere" or
    # "totally". Longest first, so a full name goes before an email it might
    # contain; one pass, so "Deleted user" itself is never rewritten.
    alternatives = "|".join(re.escape(text) for text in sorted(texts, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
    changed = []
    for notice in notices.only("pk", "message"):
        message = pattern.sub(DELETED_NAME, notice.message)
        if message != notice.message:
            notice.message = message
            changed.append(notice)
    Notification.objects.bulk_update(changed, ["message"])
    return len(changed)


erasing.connect(_erase_name_from_notifications, dispatch_uid="notifications.erase_names")


@reaction(Verb.CONNECTION_SWITCHED_OFF)
def tell_of_connections_switched_off(entries) -> None:
    """Connections are organization-wide, so switching one on again needs the
    settings permission at every location: whoever may do it holds it at the
    first location too, and the notice goes to them (and the owners)."""
    for entry in entries:
        location = (
            Location.objects.filter(organization_id=entry.organization_id).order_by("pk").first()
        )
        if location is None:
            continue
        name = (entry.after or {}).get("name") or "A connection"
        notify_location_admins(
            location=location,
            kind=Notification.Kind.CONNECTION_OFF,
            message=f"{name} was switched off. {entry.reason}"[:500],
            perm=MANAGE_SETTINGS,
        )
