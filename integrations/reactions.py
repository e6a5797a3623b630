"""What connected systems must hear, read from the audit log (R3.2).

Each verb that changes what a member looks like to a CRM, door access or
printing queues an ``OutboxEvent`` in the transaction of the change. Verbs
not listed here (roles, invitations resent, settings…) change nothing the
systems receive.
"""

from audit.erasure import erasing
from audit.log import reaction
from audit.models import Verb
from members.models import Member

from .outbox import (
    MemberEvent,
    erase_personal_data_from_events,
    record_member_event,
    record_member_events,
)

EVENT_OF = {
    Verb.MEMBER_CREATED: MemberEvent.CREATED,
    Verb.MEMBER_STATUS_CHANGED: MemberEvent.STATUS_CHANGED,
    Verb.MEMBER_UPDATED: MemberEvent.UPDATED,
    Verb.MEMBER_PORTAL_ACCESS_CHANGED: MemberEvent.UPDATED,
    Verb.MEMBER_TRANSFERRED: MemberEvent.UPDATED,
    Verb.INVITATION_SENT: MemberEvent.UPDATED,
    Verb.INVITATION_ACCEPTED: MemberEvent.UPDATED,
    Verb.MEMBER_REMOVED: MemberEvent.REMOVED,
    Verb.MEMBER_ERASED: MemberEvent.REMOVED,
    # Awaiting approval and back (R8.2): the snapshot's status says it. An
    # approval, or a withdrawal, needs no event of its own: the status
    # change that comes with it sends one.
    Verb.APPROVAL_REQUESTED: MemberEvent.UPDATED,
    Verb.APPROVAL_REJECTED: MemberEvent.UPDATED,
}


@reaction(*EVENT_OF)
def queue_member_events(entries) -> None:
    if len(entries) > 1:
        # A batch (mass invite): one snapshot query and one insert for all.
        members = [Member(pk=e.member_id, organization_id=e.organization_id) for e in entries]
        record_member_events(members=members, event=EVENT_OF[entries[0].verb])
        return
    (entry,) = entries
    record_member_event(
        member=Member(pk=entry.member_id, organization_id=entry.organization_id),
        event=EVENT_OF[entry.verb],
        previous_status=(
            entry.before.get("status") if entry.verb == Verb.MEMBER_STATUS_CHANGED else None
        ),
    )


def _erase_from_events(sender, member, user, **kwargs) -> None:
    erase_personal_data_from_events(member.pk)


erasing.connect(_erase_from_events, dispatch_uid="integrations.erase_from_events")
