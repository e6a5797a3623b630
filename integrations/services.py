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

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.crypto import UndecryptableCredentials
from audit import log
from audit.models import Verb, Via
from members.models import Member
from outbox import engine, timing

from .http import DeliveryError
from .http.addresses import refusal
from .models import (
    CLAIMABLE,
    UNFINISHED,
    Connection,
    Delivery,
    DeliveryStatus,
    OutboxEvent,
    RemoteAddress,
)
from .outbox import MemberEvent, next_sequences
from .snapshots import member_snapshot, member_snapshots, person_from_snapshot
from .switch_off import connection_switch_off
from .tasks import deliver, enqueue
from .vendors import registry

logger = logging.getLogger(__name__)

REMOVED = "removed"
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


def outbox_fan_out(*, event_id: int) -> list[int]:
    """Create the event's deliveries (one per connection) and send the ones
    whose connection is on; a switched-off connection's deliveries wait.

    Claims the event row with ``SELECT … FOR UPDATE SKIP LOCKED``: two workers
    given the same event (a sweep racing the on-commit task) fan it out once.
    """
    with transaction.atomic():
        event = (
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, processed_at__isnull=True)
            .first()
        )
        if event is None:
            return []
        # Switched-off connections too: their admins were promised that
        # changes wait and are sent once it is on again.
        connections = Connection.objects.filter(organization_id=event.organization_id)
        if event.connection_id is not None:
            connections = connections.filter(pk=event.connection_id)
        now = timezone.now()
        Delivery.objects.bulk_create(
            [
                Delivery(
                    organization_id=event.organization_id,
                    event=event,
                    connection_id=connection_id,
                    member_id=event.member_id,
                    member_ref=event.member_ref,
                    next_attempt_at=now,
                    created_at=now,
                )
                for connection_id in connections.values_list("pk", flat=True)
            ],
            ignore_conflicts=True,
        )
        event.processed_at = now
        event.save(update_fields=["processed_at"])
        delivery_ids = list(
            Delivery.objects.filter(
                event=event, status=DeliveryStatus.PENDING, connection__enabled=True
            ).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: engine.kick(KIND, delivery_ids))
    return delivery_ids


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
    leased, attempts left): claimable, its connection on, its turn.

    Only subqueries, no join: Django then keeps the claim a plain
    "UPDATE … WHERE id = … AND …" (a join would make it "id IN (SELECT …)").
    Row locking re-checks the UPDATE's conditions on the row as it is once a
    concurrent claim commits, so two claims never both succeed; nothing is
    checked beforehand in a separate query (an admin could switch the
    connection off or revive an earlier delivery in between)."""
    connection_on = Connection.objects.filter(pk=OuterRef("connection_id"), enabled=True)
    return _head_of_line(queryset.filter(Exists(connection_on), status__in=CLAIMABLE))


def delivery_attempt(*, delivery_id: int) -> str:
    """One attempt at one delivery. Returns the resulting status (or "busy"
    when it was not this delivery's turn / someone else holds it)."""
    now = timezone.now()
    if not engine.claim(
        KIND, delivery_id, now=now, status=DeliveryStatus.IN_FLIGHT, last_attempt_at=now
    ):
        return "busy"
    delivery = Delivery.objects.select_related("connection", "event").get(pk=delivery_id)
    attempt = delivery.attempts
    try:
        note = _push(delivery)
    except DeliveryError as error:
        message = _redacted(str(error), delivery.connection)
        return _record_failure(delivery, attempt, message, error.permanent, error.retry_after)
    except UndecryptableCredentials as error:
        return _record_failure(delivery, attempt, str(error), True, None)
    except Exception as error:  # a bug or an unexpected library error: retry, visibly
        logger.exception("delivery %s failed unexpectedly", delivery_id)
        message = _redacted(f"internal error: {error!r}", delivery.connection)
        return _record_failure(delivery, attempt, message, False, None)
    status = DeliveryStatus.SUCCEEDED if note is None else DeliveryStatus.SKIPPED
    updated = engine.complete(
        KIND,
        [delivery.pk],
        where=Q(status=DeliveryStatus.IN_FLIGHT, attempts=attempt),
        status=status,
        succeeded_at=timezone.now(),
        last_error=note or "",
    )
    if updated:
        _enqueue_next(delivery)
    return status


def _account_deleted(member_ref: int) -> bool:
    return Member.objects.filter(pk=member_ref, account_deleted_at__isnull=False).exists()


def _person_for(delivery: Delivery):
    """The member's current state; the event's snapshot once the member is gone."""
    snapshot = member_snapshot(delivery.member_ref)
    if snapshot is None:
        return person_from_snapshot(delivery.event.payload, status=REMOVED)
    if delivery.event.event == MemberEvent.REMOVED:
        return person_from_snapshot(snapshot, status=REMOVED)
    return person_from_snapshot(snapshot)


# -- addresses a system may hold the member under ------------------------------------


def _addresses(delivery: Delivery):
    return RemoteAddress.objects.filter(
        connection_id=delivery.connection_id, member_ref=delivery.member_ref
    )


def _remember(delivery: Delivery, email: str) -> None:
    """Note ``email`` before an attempt sends it: should the remote act and
    its answer be lost, the address is still known (R3.3)."""
    now = timezone.now()
    same = _addresses(delivery).filter(email__iexact=email)
    if same.update(email=email, last_sent_at=now):
        return
    try:
        with transaction.atomic():
            RemoteAddress.objects.create(
                organization_id=delivery.organization_id,
                connection_id=delivery.connection_id,
                member_ref=delivery.member_ref,
                email=email,
                first_sent_at=now,
                last_sent_at=now,
            )
    except IntegrityError:  # written meanwhile (a differently-cased twin)
        same.update(last_sent_at=now)


def _release(delivery: Delivery, emails) -> None:
    """The remote confirmed nothing of the member is left under these."""
    if emails:
        _addresses(delivery).filter(email__in=list(emails)).delete()


def _stale_addresses(delivery: Delivery, current: str) -> list[str]:
    """Every address the system may hold the member under besides
    ``current``, most recently sent first (where a contact most likely is).

    An address another member of the organization has now is theirs: it is
    let go here, not revoked or moved (that would take their door access or
    their contact), and their own deliveries keep it right."""
    current = current.casefold()
    stale = [
        email
        for email in _addresses(delivery).values_list("email", flat=True)
        if email.casefold() != current
    ]
    if not stale:
        return []
    taken = {
        email.casefold()
        for email in Member.objects.filter(organization_id=delivery.organization_id)
        .exclude(pk=delivery.member_ref)
        .annotate(address=Lower("email"))
        .filter(address__in=[email.lower() for email in stale])
        .values_list("email", flat=True)
    }
    _release(delivery, [email for email in stale if email.casefold() in taken])
    return [email for email in stale if email.casefold() not in taken]


def _push(delivery: Delivery) -> str | None:
    """Send, as the connection's vendor does; returns a note when there was
    nothing to send (skipped)."""
    connection = delivery.connection
    vendor = registry.get(connection.kind)
    attempt = _Attempt(delivery, person=_person_for(delivery))
    with vendor.build_client(
        connection.base_url,
        connection.credentials,
        timeout=float(_setting("INTEGRATIONS_HTTP_TIMEOUT", 10)),
        allow_private_hosts=allow_private_hosts(),
    ) as client:
        return vendor.category.push(client, attempt)


class _Attempt:
    """What a vendor's category reads and does during one attempt
    (``integrations.vendors.categories.Attempt``)."""

    def __init__(self, delivery: Delivery, *, person):
        self.delivery = delivery
        self.person = person
        self.idempotency_key = delivery.idempotency_key
        self.event = delivery.event.event
        self.sequence = delivery.event.sequence
        self.previous = delivery.event.payload.get("previous")

    def recorded_person(self):
        return _event_person(self.delivery, current=self.person)

    def earlier_addresses(self) -> list[str]:
        return _stale_addresses(self.delivery, self.person.email)

    def remember(self, email: str) -> None:
        _remember(self.delivery, email)

    def release(self, emails) -> None:
        _release(self.delivery, emails)

    def account_deleted(self) -> bool:
        return _account_deleted(self.delivery.member_ref)

    def switch_off(self, reason: str) -> None:
        connection_switch_off(connection=self.delivery.connection, reason=reason)


def _event_person(delivery: Delivery, *, current):
    """The member as the event recorded them. A webhook receiver is told each
    change (Former, then Active), not the latest state twice; the systems that
    only hold state (CRM, door, printing) converge on the current one instead."""
    payload = delivery.event.payload
    if not payload:
        return current
    removed = delivery.event.event == MemberEvent.REMOVED
    return person_from_snapshot(payload, status=REMOVED if removed else None)


def _record_failure(delivery, attempt, message, permanent, retry_after) -> str:
    """``message`` is stored and shown to admins: callers redact remote text."""
    status = engine.fail(
        KIND,
        [delivery.pk],
        message,
        attempt=attempt,
        permanent=permanent,
        retry_after=retry_after,
        where=Q(status=DeliveryStatus.IN_FLIGHT, attempts=attempt),
    )
    if status == DeliveryStatus.DEAD:
        _enqueue_next(delivery)
    return status


def _failed(now) -> dict:
    return {"status": DeliveryStatus.FAILED, "last_failed_at": now}


def _dead(now) -> dict:
    return {"status": DeliveryStatus.DEAD, "last_failed_at": now}


def _redacted(message: str, connection: Connection) -> str:
    """The error without the connection's secrets: a remote may echo a token back
    in its error body, and the log is shown to admins and kept (R3.5)."""
    try:
        credentials = connection.credentials
    except UndecryptableCredentials:
        return message
    for key, value in credentials.items():
        value = str(value)
        if connection.is_secret(key) and len(value) >= 4:
            message = message.replace(value, "••••")
    return message


def _enqueue_next(delivery: Delivery) -> None:
    """This delivery is done: the next one for the member and connection may go."""
    next_id = (
        Delivery.objects.filter(
            connection_id=delivery.connection_id,
            member_ref=delivery.member_ref,
            event_id__gt=delivery.event_id,
            status__in=CLAIMABLE,
        )
        .order_by("event_id")
        .values_list("pk", flat=True)
        .first()
    )
    if next_id is not None:
        engine.kick(KIND, [next_id])


# -- the sweep (the engine's, for this kind) -------------------------------------------


def _fan_out_unprocessed(*, now, grace, limit) -> dict[str, int]:
    """Run first by the sweep: events whose fan-out task never ran."""
    event_ids = list(
        OutboxEvent.objects.filter(processed_at__isnull=True, created_at__lte=now - grace)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for event_id in event_ids:
        outbox_fan_out(event_id=event_id)
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
        transaction.on_commit(lambda batch=batch: enqueue("dispatch_events", batch))
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
