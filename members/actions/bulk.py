"""Bulk actions of the customers directory (issue 12, item 4).

Each selected member goes through the very action one at a time uses
(``member_change_status``, ``member_invite``), each in its own
transaction: the same rules, the same history entry and outbox event per
member, and one member's refusal does not undo another's change. The
refusals come back per row, in the words the member page would use.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from audit.models import Via
from members.models import Member
from members.policy import read_only_refusal

from .invitations import member_invite
from .status import member_change_status

#: The most members one bulk action takes; more is a job for a narrower filter.
BULK_LIMIT = 500


@dataclass
class RowResult:
    member: Member
    #: None: changed (or already as asked, ``unchanged``); else why not.
    refusal: str | None = None
    unchanged: bool = False


def _words(invalid: ValidationError) -> str:
    return " ".join(invalid.messages)


def members_change_status(
    *,
    members,
    status: str,
    actor,
    via: str = Via.ADMIN,
    reason: str = "",
    over_seat_cap: bool = False,
) -> list[RowResult]:
    """``member_change_status`` for each of ``members``; a deactivated
    record is refused like on its own page (``read_only_refusal``), and one
    beyond its company's seat cap like there too (members/seats.py), unless
    the admin confirmed going over it (``over_seat_cap``)."""
    results = []
    for member in members:
        refusal = read_only_refusal(member)
        if refusal:
            results.append(RowResult(member, refusal))
            continue
        try:
            change = member_change_status(
                member=member,
                status=status,
                actor=actor,
                via=via,
                reason=reason,
                over_seat_cap=over_seat_cap,
            )
        except ValidationError as invalid:
            results.append(RowResult(member, _words(invalid)))
        else:
            results.append(RowResult(member, unchanged=change is None))
    return results


def members_invite(*, members, actor, via: str = Via.ADMIN) -> list[RowResult]:
    """``member_invite`` for each of ``members`` (a pending one gets a fresh link)."""
    results = []
    for member in members:
        try:
            member_invite(member=member, actor=actor, via=via)
        except ValidationError as invalid:
            results.append(RowResult(member, _words(invalid)))
        else:
            results.append(RowResult(member))
    return results
