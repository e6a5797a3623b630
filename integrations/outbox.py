"""Where member actions hand their changes to the integration pipeline (R3.2).

``record_member_event`` is called inside the action's transaction: the
``OutboxEvent`` row commits together with the change or not at all. After
commit a Celery task fans it out to the organization's connections; if the
broker is unreachable at that moment the row simply waits for the periodic
sweep (``integrations.tasks.sweep``), so no change is lost.
"""

from functools import partial

from django.db import transaction
from django.db.models import Max

from members.models import Member
from outbox.broker import BULK


class MemberEvent:
    CREATED = "member.created"
    STATUS_CHANGED = "member.status_changed"
    UPDATED = "member.updated"
    # Removal from the location or deletion of the account: door and printing
    # access is revoked whatever the member's status says.
    REMOVED = "member.removed"


def next_sequences(member_ids, *, chunk: int = 10_000) -> dict[int, int]:
    """The number each member's next event gets (``OutboxEvent.sequence``).

    Locks the members' rows first (the action usually holds its member's
    already), then reads the last number in a second statement: one taken
    after the lock, so a concurrent change to the same member that waited
    for this transaction sees its event and counts on from it (a subquery in
    the locking statement would still read the old snapshot). The unique
    constraint on (member_ref, sequence) is the backstop. Two queries per
    ``chunk`` members, so a mass invite costs two."""
    from .models import OutboxEvent

    ids = sorted(set(member_ids))
    last: dict[int, int] = {}
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        list(Member.objects.select_for_update().filter(pk__in=part).order_by("pk").values("pk"))
        last.update(
            OutboxEvent.objects.filter(member_ref__in=part)
            .values("member_ref")
            .annotate(last=Max("sequence"))
            .values_list("member_ref", "last")
        )
    return {pk: last.get(pk, 0) + 1 for pk in ids}


# No savepoint: it runs inside the action's transaction, and a failure here
# fails the action.
@transaction.atomic(savepoint=False)
def record_member_event(*, member, event: str, previous_status: str | None = None) -> None:
    """Record that ``member`` changed; delivery happens after commit.

    ``previous_status``: for a status change, what it changed from (the
    webhook tells receivers).
    """
    from .models import OutboxEvent
    from .snapshots import member_snapshot

    payload = member_snapshot(member.pk) or {}
    if previous_status is not None:
        payload["previous"] = {"status": previous_status}
    outbox_event = OutboxEvent.objects.create(
        organization_id=member.organization_id,
        member_id=member.pk,
        member_ref=member.pk,
        event=event,
        sequence=next_sequences([member.pk])[member.pk],
        payload=payload,
    )
    transaction.on_commit(partial(dispatch_after_commit, [outbox_event.pk]))


#: What a member snapshot holds about the person (R5.3 erases it).
PERSONAL_FIELDS = ("email", "first_name", "last_name", "phone")


def erase_personal_data_from_events(member_id: int) -> None:
    """The person deleted their account: the events recorded about them keep
    their status history but not their name, email or phone. What the erase
    deliveries still need (every address sent to each system) is kept as
    ``RemoteAddress`` rows, each deleted once that system erased it."""
    from .models import OutboxEvent

    events = list(OutboxEvent.objects.filter(member_ref=member_id).only("pk", "payload"))
    for event in events:
        event.payload = {
            **event.payload,
            **{key: "" for key in PERSONAL_FIELDS if key in event.payload},
        }
    OutboxEvent.objects.bulk_update(events, ["payload"], batch_size=500)


@transaction.atomic(savepoint=False)
def record_member_events(
    *, members, event: str, chunk: int = 500, previous: dict | None = None
) -> None:
    """``record_member_event`` for many members at once (mass invite): one
    snapshot query, one bulk insert, one task per ``chunk`` events.
    ``previous``: what changed for all of them (a location's old groups)."""
    from .models import OutboxEvent
    from .snapshots import member_snapshots

    members = list(members)
    if not members:
        return
    snapshots = member_snapshots(Member.objects.filter(pk__in=[m.pk for m in members]))
    sequences = next_sequences(m.pk for m in members)
    events = OutboxEvent.objects.bulk_create(
        [
            OutboxEvent(
                organization_id=member.organization_id,
                member_id=member.pk,
                member_ref=member.pk,
                event=event,
                sequence=sequences[member.pk],
                payload=snapshots.get(member.pk, {}) | ({"previous": previous} if previous else {}),
            )
            for member in members
        ]
    )
    ids = [e.pk for e in events]
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        transaction.on_commit(partial(dispatch_after_commit, part, bulk=len(ids) > 1))


def dispatch_after_commit(event_ids: list[int], *, bulk: bool = False) -> None:
    """Hand events to a worker. Never raises: the change is already committed,
    and an event the broker did not take is picked up by the sweep.

    ``bulk`` (a mass invite, a resync): the events and their deliveries queue
    behind single changes, so one organization's thousands of changes do not
    hold up another's one (docs/integrations.md, "Fairness")."""
    from .tasks import enqueue

    if bulk:
        enqueue("dispatch_events", event_ids, True, priority=BULK)
    else:
        enqueue("dispatch_events", event_ids)
