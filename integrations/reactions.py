"""What connected systems must hear, read from the audit log (R3.2).

Each verb that changes what a member looks like to a CRM, door access or
printing queues an ``OutboxEvent`` in the transaction of the change. Verbs
not listed here (roles, invitations resent, settings…) change nothing the
systems receive.
"""

from django.db.models import Q

from audit.erasure import erasing
from audit.log import reaction
from audit.models import Verb
from members.models import Member, Membership

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
        # A batch (mass invite, a team's move): one snapshot query and one
        # insert per status it came from, as each single change says it.
        event = EVENT_OF[entries[0].verb]
        groups: dict[str | None, list] = {}
        for e in entries:
            previous = e.before.get("status") if e.verb == Verb.MEMBER_STATUS_CHANGED else None
            groups.setdefault(previous, []).append(
                Member(pk=e.member_id, organization_id=e.organization_id)
            )
        for previous, members in groups.items():
            record_member_events(
                members=members,
                event=event,
                previous={"status": previous} if previous is not None else None,
            )
        return
    (entry,) = entries
    record_member_event(
        member=Member(pk=entry.member_id, organization_id=entry.organization_id),
        event=EVENT_OF[entry.verb],
        previous_status=(
            entry.before.get("status") if entry.verb == Verb.MEMBER_STATUS_CHANGED else None
        ),
    )


#: A membership added, changed or ended may change what door access and
#: printing its holders get (members/plan_access.py): the systems are sent
#: the holders again and converge on what their plans give now.
MEMBERSHIP_VERBS = (Verb.MEMBERSHIP_CREATED, Verb.MEMBERSHIP_CHANGED, Verb.MEMBERSHIP_ENDED)


@reaction(*MEMBERSHIP_VERBS)
def queue_membership_holders(entries) -> None:
    for entry in entries:
        if entry.member_id is not None:
            record_member_event(
                member=Member(pk=entry.member_id, organization_id=entry.organization_id),
                event=MemberEvent.UPDATED,
            )
            continue
        company_id = (entry.after or {}).get("company_id") or (entry.before or {}).get("company_id")
        if company_id is not None:
            record_member_events(
                members=Member.objects.filter(
                    organization_id=entry.organization_id, company_id=company_id
                ).only("pk", "organization_id"),
                event=MemberEvent.UPDATED,
            )


_GROUPS = ("door_group", "printing_group")
_PLAN_SWITCHES = ("gives_door_access", "gives_printing_access")


@reaction(Verb.LOCATION_UPDATED)
def queue_location_members(entries) -> None:
    """A location's door or printing group changed: its members are sent
    again, with the old groups (``previous``) so access there is taken back."""
    for entry in entries:
        old = {key: entry.before[key] for key in _GROUPS if key in (entry.before or {})}
        if old:
            record_member_events(
                members=Member.objects.filter(location_id=entry.subject_id).only(
                    "pk", "organization_id"
                ),
                event=MemberEvent.UPDATED,
                previous=old,
            )


@reaction(Verb.PLAN_UPDATED)
def queue_plan_holders(entries) -> None:
    """A plan's door or printing switch changed: everyone on it now is sent again."""
    for entry in entries:
        if not any(key in (entry.after or {}) for key in _PLAN_SWITCHES):
            continue
        running = Membership.objects.active().filter(plan_id=entry.subject_id)
        members = Member.objects.filter(organization_id=entry.organization_id).filter(
            Q(pk__in=running.values("member_id")) | Q(company_id__in=running.values("company_id"))
        )
        record_member_events(
            members=members.only("pk", "organization_id"), event=MemberEvent.UPDATED
        )


def _erase_from_events(sender, member, user, **kwargs) -> None:
    erase_personal_data_from_events(member.pk)


erasing.connect(_erase_from_events, dispatch_uid="integrations.erase_from_events")
