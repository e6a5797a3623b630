"""The integration pipeline's actions (R3.1–R3.5).

Flow: an action records an ``OutboxEvent`` in its transaction
(``outbox.record_member_event``) → ``outbox_fan_out`` creates one ``Delivery``
per connection → ``delivery_attempt`` pushes the member and records the
outcome → the outbox sweep (``outbox.engine``, beat) picks up whatever a
lost broker message or a killed worker left behind.

Guarantees, and where they come from:

- Nothing is lost: every step starts from a row, never from a message alone;
  the sweep re-enqueues unprocessed events, due deliveries and deliveries
  whose worker died (lease expired).
- Per member and connection, deliveries go out in event order: a delivery is
  only claimed when no earlier delivery for the same member and connection is
  unfinished and no earlier event of that member is still waiting to be fanned
  out, its connection is on and it is due (all in one conditional UPDATE, see
  ``_claim``).
- No regressions: CRM, door and printing pushes load the member fresh, so a
  retry sends today's status, not the one from when it was first tried. The
  webhook sends the event itself (each change, in order) with a ``current``
  block beside it.
- A switched-off connection still gets its deliveries; they wait (claims skip
  it) and go out when it is switched on.
- Nothing loops: an attempt whose worker died counts like a failed one, so a
  delivery that kills its worker every time ends dead, not retried for ever.
- No duplicates: remotes are idempotent by construction (upsert / converge)
  and every retry reuses the delivery's idempotency key.
"""

import logging
from collections import defaultdict
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log
from audit.models import Verb, Via
from members.models import Member
from outbox import engine, timing
from outbox.broker import BULK

from . import durability
from .attempts import batch_size, delivery_attempt, delivery_attempts
from .http.addresses import refusal
from .models import (
    CLAIMABLE,
    UNFINISHED,
    Connection,
    Delivery,
    DeliveryStatus,
    OutboxEvent,
)
from .outbox import MemberEvent, dispatch_after_commit, next_sequences
from .snapshots import member_snapshots
from .tasks import deliver
from .vendors import registry

__all__ = ["delivery_attempt", "delivery_attempts"]

logger = logging.getLogger(__name__)

#: The outbox kind (outbox/engine.py) whose rows are Delivery rows.
KIND = timing.INTEGRATION_DELIVERY


def _setting(name: str, default):
    return getattr(settings, name, default)


def allow_private_hosts() -> bool:
    """Checked when a connection is saved and again by the client at send time."""
    return bool(_setting("INTEGRATIONS_ALLOW_PRIVATE_HOSTS", False))


# -- connections ----------------------------------------------------------------------


@transaction.atomic
def connection_save(
    *,
    organization,
    kind: str,
    name: str,
    base_url: str,
    credentials: dict,
    enabled: bool = True,
    connection: Connection | None = None,
    actor=None,
    via: str = Via.ADMIN,
) -> Connection:
    """Create a connection, or update ``connection``.

    An empty secret keeps the stored one (forms never show secrets back, so
    "left empty" means "unchanged"). An optional setting that is not secret
    (Kisi's role) is shown back in full, so empty means "back to the default".
    """
    if connection is not None and connection.organization_id != organization.pk:
        raise ValidationError(_("This connection belongs to another organization."))
    if (
        Connection.objects.filter(organization=organization, name=name)
        .exclude(pk=connection.pk if connection else None)
        .exists()
    ):
        raise ValidationError({"name": _("Another connection already has this name.")})
    is_new = connection is None
    # Checked when the address is new or changed, or the connection is being
    # switched on; not on every save: a host that no longer resolves (or now
    # points somewhere private) must not stop an admin from switching it off.
    # Send time checks again anyway.
    new_address = is_new or base_url != connection.base_url
    switching_on = enabled and (is_new or not connection.enabled)
    if new_address or switching_on:
        problem = None if allow_private_hosts() else refusal(base_url)
        if problem:
            raise ValidationError({"base_url": problem})
    stored = {} if is_new else connection.credentials
    merged = {
        **stored,
        **{key: value for key, value in credentials.items() if value not in ("", None)},
    }
    for credential in registry.get(kind if is_new else connection.kind).credentials:
        key = credential.key
        cleared = key in credentials and credentials[key] in ("", None)
        if cleared and credential.optional and not credential.secret:
            merged.pop(key, None)
    if is_new:
        connection = Connection(organization=organization, kind=kind)
    was_enabled = connection.enabled
    before = {} if is_new else _described(connection)
    connection.name = name
    connection.base_url = base_url
    connection.enabled = enabled
    if enabled:
        connection.switched_off_at, connection.switched_off_reason = None, ""
    connection.set_credentials(merged)
    connection.save()
    # What changed, never the credentials themselves: only which were set.
    log.record(
        verb=Verb.CONNECTION_CREATED if is_new else Verb.CONNECTION_UPDATED,
        via=via,
        actor=actor,
        organization=organization,
        subject=connection,
        before=before,
        after={
            **_described(connection),
            "credentials_changed": sorted(k for k, v in credentials.items() if v not in ("", None)),
        },
    )
    if enabled and not was_enabled and not is_new:
        # Deliveries that waited while it was off go out now.
        transaction.on_commit(partial_enqueue_due(connection.pk))
    return connection


def _described(connection: Connection) -> dict:
    return {
        "kind": connection.kind,
        "name": connection.name,
        "base_url": connection.base_url,
        "enabled": connection.enabled,
    }


def partial_enqueue_due(connection_id: int):
    def run():
        due = engine.claimable(KIND, timezone.now()).filter(connection_id=connection_id)
        engine.kick(KIND, list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:1000]))

    return run


# -- outbox → deliveries ----------------------------------------------------------------


#: Events one fan-out takes at most (a mass invite's chunk).
FAN_OUT_BATCH = 500


def outbox_fan_out(*, event_id: int) -> list[int]:
    """This one event's fan-out, no other's."""
    return outbox_fan_out_many(event_ids=[event_id], steal=False)


def outbox_fan_out_many(
    *, event_ids: list[int], bulk: bool = False, steal: bool = True, deliver_here: bool = False
) -> list[int]:
    """Create the events' deliveries (one per connection) and send the ones
    whose connection is on; a switched-off connection's deliveries wait.

    Claims the event rows with ``SELECT … FOR UPDATE SKIP LOCKED``: two
    workers given the same events (a sweep racing the on-commit task) fan
    each out once. A handful of queries however many events; one message per
    connection and ``attempts.batch_size()`` deliveries (``bulk``: behind single
    changes in the broker).
    """
    if not OutboxEvent.objects.filter(pk__in=event_ids, processed_at__isnull=True).exists():
        # Fanned out already, by a task that took it along with its own (a
        # backlog's messages mostly find this): one query, not five.
        return []
    with durability.relaxed(), transaction.atomic():
        events = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(pk__in=event_ids, processed_at__isnull=True)
            .order_by("pk")
            .only("pk", "organization_id", "member_id", "member_ref", "connection_id")
        )
        if not events:
            return []
        if steal and len(events) < FAN_OUT_BATCH:
            # Other events of the same organizations waiting for their own
            # message: a stream of single changes is fanned out in batches
            # too. Only the same organizations', so another organization's
            # bulk never rides on a single change's priority.
            events += (
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(
                    processed_at__isnull=True,
                    organization_id__in={e.organization_id for e in events},
                )
                .exclude(pk__in=[e.pk for e in events])
                .order_by("pk")
                .only("pk", "organization_id", "member_id", "member_ref", "connection_id")[
                    : FAN_OUT_BATCH - len(events)
                ]
            )
        # Switched-off connections too: their admins were promised that
        # changes wait and are sent once it is on again.
        connections = defaultdict(list)
        for pk, organization_id in Connection.objects.filter(
            organization_id__in={e.organization_id for e in events}
        ).values_list("pk", "organization_id"):
            connections[organization_id].append(pk)
        now = timezone.now()
        Delivery.objects.bulk_create(
            [
                Delivery(
                    organization_id=event.organization_id,
                    event_id=event.pk,
                    connection_id=connection_id,
                    member_id=event.member_id,
                    member_ref=event.member_ref,
                    next_attempt_at=now,
                    created_at=now,
                )
                for event in events
                for connection_id in connections[event.organization_id]
                if event.connection_id in (None, connection_id)
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(processed_at=now)
        per_connection = defaultdict(list)
        for pk, connection_id in (
            Delivery.objects.filter(
                event_id__in=[e.pk for e in events],
                status=DeliveryStatus.PENDING,
                connection__enabled=True,
            )
            .order_by("pk")
            .values_list("pk", "connection_id")
        ):
            per_connection[connection_id].append(pk)
        priority = BULK if bulk else None
        shares = [ids[i : i + batch_size()] for ids in per_connection.values() for i in
                  range(0, len(ids), batch_size())]  # fmt: skip
        # One share is sent by this task (a single change to one connection
        # then costs one task, not two); the others go to other processes,
        # side by side, so a remote that hangs holds up only its own.
        here = shares.pop(0) if deliver_here and shares else None

        def send():
            for ids in shares:
                engine.kick(KIND, ids, priority=priority)

        transaction.on_commit(send)
    if here:
        try:
            delivery_attempts(delivery_ids=here)
        except BaseException:
            engine.kick(KIND, here)
            raise
    return [pk for ids in per_connection.values() for pk in ids]


def _earlier_unfinished():
    return Delivery.objects.filter(
        connection_id=OuterRef("connection_id"),
        member_ref=OuterRef("member_ref"),
        event_id__lt=OuterRef("event_id"),
        status__in=UNFINISHED,
    )


def _earlier_unprocessed():
    return OutboxEvent.objects.filter(
        member_ref=OuterRef("member_ref"),
        pk__lt=OuterRef("event_id"),
        processed_at__isnull=True,
    )


def _head_of_line(queryset):
    """Deliveries whose turn it is: nothing earlier for that member and
    connection is still to be sent (or still to be fanned out)."""
    return queryset.exclude(Exists(_earlier_unfinished())).exclude(Exists(_earlier_unprocessed()))


def _ready(queryset):
    """What a delivery's claim checks besides the engine's (owed, due, not
    leased, attempts left): claimable, its connection on and not paused
    (a 429, its rate limit), its turn.

    Only subqueries, no join: Django then keeps the claim a plain
    "UPDATE … WHERE id = … AND …" (a join would make it "id IN (SELECT …)").
    Row locking re-checks the UPDATE's conditions on the row as it is once a
    concurrent claim commits, so two claims never both succeed; nothing is
    checked beforehand in a separate query (an admin could switch the
    connection off or revive an earlier delivery in between)."""
    connection_on = Connection.objects.filter(
        Q(paused_until__isnull=True) | Q(paused_until__lte=Now()),
        pk=OuterRef("connection_id"),
        enabled=True,
    )
    return _head_of_line(queryset.filter(Exists(connection_on), status__in=CLAIMABLE))


def _failed(now) -> dict:
    return {"status": DeliveryStatus.FAILED, "last_failed_at": now}


def _dead(now) -> dict:
    return {"status": DeliveryStatus.DEAD, "last_failed_at": now}


# -- the sweep (the engine's, for this kind) -------------------------------------------


def _fan_out_unprocessed(*, now, grace, limit) -> dict[str, int]:
    """Run first by the sweep: events whose fan-out task never ran."""
    event_ids = list(
        OutboxEvent.objects.filter(processed_at__isnull=True, created_at__lte=now - grace)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for start in range(0, len(event_ids), FAN_OUT_BATCH):
        outbox_fan_out_many(event_ids=event_ids[start : start + FAN_OUT_BATCH])
    return {"events": len(event_ids)}


def register_outbox_kind() -> None:
    """Deliveries are the outbox kind "integration_delivery": an attempt whose
    worker died counts as a failed one (backoff, then dead): retrying it at
    once for ever would block the member's later changes behind a delivery
    that kills its worker every time."""
    engine.register(
        engine.Kind(
            name=KIND,
            model=Delivery,
            task=deliver,
            batch=batch_size(),
            owed=lambda now: Q(status__in=UNFINISHED),
            ready=_ready,
            failed=_failed,
            dead=_dead,
            lease_lost=engine.LEASE_LOST_FAILS,
            before_sweep=_fan_out_unprocessed,
        )
    )


# -- admin actions ---------------------------------------------------------------------


@transaction.atomic
def delivery_retry(*, delivery: Delivery, actor=None, via: str = Via.ADMIN) -> bool:
    """Try a failed or dead delivery again now, with a fresh retry budget."""
    updated = Delivery.objects.filter(
        pk=delivery.pk, status__in=(DeliveryStatus.FAILED, DeliveryStatus.DEAD)
    ).update(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now())
    if updated:
        log.record(
            verb=Verb.DELIVERY_RETRIED,
            via=via,
            actor=actor,
            organization=delivery.organization_id,
            subject=delivery,
            member=delivery.member_ref,
            before={"status": delivery.status, "attempts": delivery.attempts},
            after={"status": DeliveryStatus.PENDING, "attempts": 0},
        )
        logger.info("delivery %s retried by %s", delivery.pk, actor)
        transaction.on_commit(lambda: engine.kick(KIND, [delivery.pk]))
    return bool(updated)


def _resync_events(organization, members, connection, chunk=500) -> list[int]:
    snapshots = member_snapshots(members)
    sequences = next_sequences(snapshots)
    now = timezone.now()
    events = OutboxEvent.objects.bulk_create(
        [
            OutboxEvent(
                organization=organization,
                member_id=member_id,
                member_ref=member_id,
                event=MemberEvent.UPDATED,
                sequence=sequences[member_id],
                payload=snapshot,
                connection=connection,
                created_at=now,
            )
            for member_id, snapshot in sorted(snapshots.items())
        ],
        batch_size=chunk,
    )
    ids = [event.pk for event in events]
    for start in range(0, len(ids), chunk):
        batch = ids[start : start + chunk]
        transaction.on_commit(partial(dispatch_after_commit, batch, bulk=len(ids) > 1))
    return ids


@transaction.atomic
def resync_member(*, member: Member, actor=None, via: str = Via.ADMIN) -> int:
    """Push the member's current state to every enabled connection again."""
    sent = len(_resync_events(member.organization, Member.objects.filter(pk=member.pk), None))
    log.record(verb=Verb.MEMBER_RESYNCED, via=via, actor=actor, subject=member)
    return sent


@transaction.atomic
def resync_connection(*, connection: Connection, actor=None, via: str = Via.ADMIN) -> int:
    """Push every member of the organization to this connection (e.g. a new one)."""
    members = Member.objects.filter(organization_id=connection.organization_id)
    sent = len(_resync_events(connection.organization, members, connection))
    log.record(
        verb=Verb.CONNECTION_RESYNCED,
        via=via,
        actor=actor,
        subject=connection,
        after={"events": sent},
    )
    return sent
