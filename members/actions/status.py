"""Every state change of a member happens here, in one action each.

Actions are keyword-only, run in one transaction, record their history row
in it, and schedule side effects with ``transaction.on_commit``. Views,
Django admin, Celery tasks and tests all call these; nothing else writes
members.
"""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log
from audit.models import Verb, Via
from members.admin_roles import admin_role_of, admin_role_refusal
from members.login_access import end_sessions_if_no_access_left
from members.models import Member, MemberStatus, StatusChange, StatusRequest
from members.seats import claim_seats, record_seat_override


@transaction.atomic
def member_change_status(
    *,
    member: Member,
    status: str,
    actor=None,
    via: str,
    reason: str = "",
    over_seat_cap: bool = False,
) -> StatusChange | None:
    """Move ``member`` to ``status`` and record it (R2.6).

    Returns the StatusChange, or None when the member already had that status.
    Who may call this with which member is decided by the callers' policy
    (members/policy.py), except for the one rule every caller shares: the
    record of an owner or admin of the organization is changed only by
    someone who could take their admin role away (members/admin_roles.py).
    The automatic changes (``via=SYSTEM``) are not bound by it.

    Becoming Active takes one of the company's seats at the member's
    location (issue 14, members/seats.py): beyond the cap it is refused,
    unless an admin confirmed going over it (``over_seat_cap``), which is
    recorded in the member's history.
    """
    if status not in MemberStatus.values:
        raise ValidationError(
            {"status": _("Unknown status %(status)s.") % {"status": repr(status)}}
        )
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if locked.status == status:
        member.status = status
        return None
    if via != Via.SYSTEM:
        # The record of an owner or admin here: the same rule as taking
        # their admin role away (issue 10). The status itself never
        # touches that role: the admin portal stays theirs.
        refusal = admin_role_refusal(actor=actor, member=locked, role=admin_role_of(locked))
        if refusal:
            raise ValidationError(refusal)
    overridden = None
    if status == MemberStatus.ACTIVE and locked.company_id is not None and via != Via.SYSTEM:
        overridden = claim_seats(
            company=locked.company_id, location=locked.location_id, via=via, override=over_seat_cap
        )
    member.status = status
    previous = locked.status
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    # Before the entry: its outbox event's snapshot no longer "awaits".
    _withdraw_open_requests(locked, actor=actor, via=via)
    # The connected systems hear of it; a contact/billing person or manager
    # who stops being active stops managing the team (R2.5), one who comes
    # back gets it back (audit reactions).
    # The entry is the member's status history (StatusChange reads it).
    entry = log.record(
        verb=Verb.MEMBER_STATUS_CHANGED,
        via=via,
        actor=actor,
        subject=locked,
        before={"status": previous},
        after={"status": status, "company_id": locked.company_id},
        reason=reason,
    )
    if overridden is not None:
        record_seat_override(overridden, actor=actor, via=via, subject=locked)
    if previous == MemberStatus.ACTIVE and locked.user_id is not None:
        # Leaving Active closes this member portal (R2.7) at the next
        # request; the person is logged out only if nothing else is left to
        # them (issue 10), once the change is committed.
        transaction.on_commit(partial(end_sessions_if_no_access_left, locked.user_id))
    return StatusChange.of(entry)


def _withdraw_open_requests(member: Member, *, actor, via: str) -> None:
    """A request awaiting approval (R8.2) was about the status the member
    had; once it changed some other way, approving it would undo that
    change, so it is withdrawn (approving marks its request decided first)."""
    for status_request in StatusRequest.objects.filter(
        member=member, decision=StatusRequest.Decision.PENDING
    ):
        status_request.decision = StatusRequest.Decision.WITHDRAWN
        status_request.decided_by = actor
        status_request.decided_at = timezone.now()
        status_request.decision_reason = (
            f"The status changed to {member.get_status_display()} before an admin decided."
        )
        status_request.save(
            update_fields=["decision", "decided_by", "decided_at", "decision_reason"]
        )
        log.record(
            verb=Verb.APPROVAL_WITHDRAWN,
            via=via,
            actor=actor,
            subject=status_request,
            member=member,
            before={"decision": StatusRequest.Decision.PENDING},
            after={"decision": StatusRequest.Decision.WITHDRAWN, "status": member.status},
            reason=status_request.decision_reason,
        )
