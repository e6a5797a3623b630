"""Approval of members added by contact persons (R8.2).

With the organization's ``contact_additions_need_approval`` on, a contact
person's "make them Active" (adding a member as Active, or moving one from
Contact or Former to Active) becomes a ``StatusRequest`` instead of the
change: the member stays as they were, so no invitation, door or printing
access follows, and the connected systems are told they await approval.
An admin of the member's location approves (the change then happens through
``member_change_status`` and ``member_invite``, with their rules, history
and outbox events) or rejects with a reason. Whoever asked is emailed the
decision (members/approval_emails.py); the admins' notices are the
notifications app's reaction to these entries.

Whether a change needs approval is members/policy.py's ``approval_needed``;
the team actions (members/actions/team.py) ask it after their own policy.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log
from audit.models import Verb, Via
from members.models import Member, StatusRequest
from members.policy import read_only_refusal, uninvitable
from organizations.permissions import can_manage_location
from outbox import engine, timing

from .invitations import member_invite
from .status import member_change_status

Decision = StatusRequest.Decision


def _already_waiting(member: Member) -> str:
    return _("%(member)s is already awaiting an admin's approval.") % {"member": member.full_name}


@transaction.atomic
def status_request_open(
    *, member: Member, to_status: str, actor, kind: str, reason: str = ""
) -> StatusRequest:
    """Ask the location's admins to approve ``member`` becoming ``to_status``.

    Called by the team actions once their policy allowed the change; the
    member row is locked here, so two clicks make one request.
    """
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if StatusRequest.objects.filter(member=locked, decision=Decision.PENDING).exists():
        raise ValidationError(_already_waiting(locked))
    status_request = StatusRequest.objects.create(
        organization_id=locked.organization_id,
        member=locked,
        kind=kind,
        from_status=locked.status,
        to_status=to_status,
        requested_by=actor,
        reason=reason,
    )
    # The member's history says it, the admins are told it (notifications)
    # and the connected systems see "awaiting_approval" (integrations).
    log.record(
        verb=Verb.APPROVAL_REQUESTED,
        via=Via.PORTAL,
        actor=actor,
        subject=status_request,
        member=locked,
        before={"status": locked.status},
        after={"requested_status": to_status, "kind": kind, "company_id": locked.company_id},
        reason=reason,
    )
    return status_request


def _lock_open(status_request: StatusRequest, actor) -> tuple[StatusRequest, Member]:
    """The request and its member, locked, if ``actor`` may still decide it.

    Locking the request serialises two admins clicking at once: the second
    is told what the first decided."""
    locked = (
        StatusRequest.objects.select_for_update(of=("self",))
        .select_related("decided_by", "requested_by")
        .get(pk=status_request.pk)
    )
    if not locked.is_open:
        who = locked.decided_by.email if locked.decided_by else _("another admin")
        raise ValidationError(
            _("This request was already %(decision)s by %(who)s.")
            % {"decision": locked.get_decision_display().lower(), "who": who}
        )
    member = Member.objects.select_for_update().select_related("location").get(pk=locked.member_id)
    if not can_manage_location(actor, member.location):
        # The views show only requests of the admin's locations; this is
        # the same rule, for a forged or outdated click.
        raise PermissionDenied(
            _("Only an admin who manages customers at %(location)s can decide this.")
            % {"location": member.location.name}
        )
    return locked, member


def _decide(status_request: StatusRequest, *, actor, decision: str, reason: str = "") -> None:
    status_request.decision = decision
    status_request.decided_by = actor
    status_request.decided_at = timezone.now()
    status_request.decision_reason = reason
    # The email to whoever asked is owed from now (outbox kind
    # "approval_decision_email"), handed to its task at commit.
    status_request.enqueued_at = status_request.decided_at
    status_request.save(
        update_fields=["decision", "decided_by", "decided_at", "decision_reason", "enqueued_at"]
    )
    engine.record(timing.APPROVAL_DECISION_EMAIL, [status_request.pk])


@transaction.atomic
def status_request_approve(
    *, status_request: StatusRequest, actor, via: str = Via.ADMIN, over_seat_cap: bool = False
) -> StatusRequest:
    """The admin approves: the change the contact person asked for happens
    now, through the status action (and, for a member added as Active, the
    invitation R2.8 promises), each with its own history and outbox event.
    The member takes a seat only now: beyond the company's cap the
    approval is refused unless the admin confirms going over it
    (``over_seat_cap``, issue 14)."""
    locked, member = _lock_open(status_request, actor)
    refusal = read_only_refusal(member)
    if refusal:
        raise ValidationError(refusal)
    _decide(locked, actor=actor, decision=Decision.APPROVED)
    log.record(
        verb=Verb.APPROVAL_APPROVED,
        via=via,
        actor=actor,
        subject=locked,
        member=member,
        before={"decision": Decision.PENDING},
        after={"decision": Decision.APPROVED, "status": locked.to_status},
    )
    asked_by = locked.requested_by.email if locked.requested_by else _("a contact person")
    member_change_status(
        member=member,
        status=locked.to_status,
        actor=actor,
        via=via,
        reason=f"Approved the request of {asked_by}.",
        over_seat_cap=over_seat_cap,
    )
    if locked.invites_on_approval and uninvitable(member) is None:
        member_invite(member=member, actor=actor, via=via)
    status_request.decision = locked.decision
    return locked


@transaction.atomic
def status_request_reject(
    *, status_request: StatusRequest, actor, reason: str, via: str = Via.ADMIN
) -> StatusRequest:
    """The admin rejects, saying why: the member stays as they were."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why, so the contact person knows: it is in the email they get.")}
        )
    locked, member = _lock_open(status_request, actor)
    _decide(locked, actor=actor, decision=Decision.REJECTED, reason=reason)
    log.record(
        verb=Verb.APPROVAL_REJECTED,
        via=via,
        actor=actor,
        subject=locked,
        member=member,
        before={"decision": Decision.PENDING},
        after={"decision": Decision.REJECTED, "status": member.status},
        reason=reason,
    )
    status_request.decision = locked.decision
    return locked
