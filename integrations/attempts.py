"""Attempts at deliveries, many per task (R3.3): claim a batch, push it per
connection, record each outcome.

What a batch saves, against one task per delivery: one claim UPDATE (with
``RETURNING``) for the batch; per connection one query for the members'
current state and one for the addresses it may hold them under; one HTTP
client per connection per worker process, kept between tasks (its
connections too); HubSpot's batch upsert, up to 100 contacts a call, for
members whose address has not changed. Each push's outcome is recorded as
soon as it is known (one UPDATE per push, or per batch call), so a worker
killed halfway re-sends only what it had not recorded.

Guarantees kept from one-at-a-time attempts:

- Per member and connection, in event order: the claim takes a delivery only
  when nothing earlier for that member and connection is unfinished, so a
  batch holds at most one delivery per member and connection; the next is
  queued when one finishes.
- At least once, and idempotent: every address is remembered before it is
  sent (``RemoteAddress``), every push converges or carries the delivery's
  idempotency key.
- A 429, or the connection's own rate limit (``integrations/throttle.py``),
  pauses the whole connection (``Connection.paused_until``): what this batch
  had not sent to it is handed back without counting an attempt and queued
  for the end of the pause; claims skip the connection until then, so its
  deliveries never hold a worker that other connections need.
"""

import logging
import time
from collections import defaultdict
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, Greatest, Lower
from django.utils import timezone

from accounts.crypto import UndecryptableCredentials
from members.models import Member
from outbox import engine, timing

from . import durability, throttle
from .http import DeliveryError, ReceiverGone, pauses_connection
from .models import CLAIMABLE, Connection, Delivery, DeliveryStatus, RemoteAddress
from .outbox import MemberEvent
from .snapshots import member_snapshots, person_from_snapshot
from .switch_off import connection_switch_off
from .vendors import registry
from .vendors.categories import KeyedByEmail

logger = logging.getLogger(__name__)

KIND = timing.INTEGRATION_DELIVERY
REMOVED = "removed"


def _setting(name: str, default):
    return getattr(settings, name, default)


def batch_size() -> int:
    """Deliveries per task (and per claim); 100, what HubSpot's batch upsert
    takes. 1 sends one delivery per task, as before batches."""
    return max(1, int(_setting("INTEGRATIONS_DELIVERY_BATCH", 100)))


#: Of the lease, how long a task keeps starting pushes; the rest of the
#: batch is handed back (not counted) for the next task. Below the soft time
#: limit (50 %), so a slow remote never gets a batch killed mid-way.
KEEP_PUSHING = 0.35


def delivery_attempt(*, delivery_id: int) -> str:
    """One attempt at one delivery: its resulting status, or "busy" when it
    was not its turn (or someone else holds it, or its connection is off
    or paused)."""
    return delivery_attempts(delivery_ids=[delivery_id])[delivery_id]


def delivery_attempts(*, delivery_ids: list[int]) -> dict[int, str]:
    """Attempts at every delivery of ``delivery_ids`` whose turn it is;
    returns each one's resulting status ("busy": not taken)."""
    with durability.relaxed():
        return _attempts(delivery_ids)


def _attempts(delivery_ids: list[int]) -> dict[int, str]:
    now = timezone.now()
    results = dict.fromkeys(delivery_ids, "busy")
    claiming = {"now": now, "status": DeliveryStatus.IN_FLIGHT, "last_attempt_at": now}
    claimed = engine.claim_many(KIND, delivery_ids, **claiming)
    if len(claimed) < len(delivery_ids):
        _requeue_paused(set(delivery_ids) - set(claimed), now=now)
    if not claimed:
        return results
    if len(claimed) < batch_size():
        claimed += _claim_more(claimed[0], batch_size() - len(claimed), claiming)
    lease = engine.kind(KIND).policy.lease
    mine = Q(status=DeliveryStatus.IN_FLIGHT, lease_expires_at=now + lease)
    deadline = time.monotonic() + lease.total_seconds() * KEEP_PUSHING
    deliveries = Delivery.objects.select_related("connection", "event").filter(pk__in=claimed)
    by_connection = defaultdict(list)
    for delivery in deliveries.order_by("event_id"):
        by_connection[delivery.connection_id].append(delivery)
    finished = []
    for group in by_connection.values():
        batch = _Batch(group, mine=mine, deadline=deadline)
        results.update(batch.run())
        finished += batch.finished
    _enqueue_next(finished)
    return results


def _claim_more(delivery_id: int, room: int, claiming: dict) -> list[int]:
    """Fill the batch with other due deliveries to the same connection, oldest
    first: a stream of single changes (one message per delivery) is then
    sent in batches too, and their own messages find them taken. Rows another
    worker is claiming are skipped (``SKIP LOCKED``), not waited for; the
    claim's own conditions (turn, connection on) still decide."""
    now = claiming["now"]
    candidates = (
        Delivery.objects.filter(
            Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now),
            connection_id=Delivery.objects.filter(pk=delivery_id).values("connection_id")[:1],
            status__in=CLAIMABLE,
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at", "pk")
        .select_for_update(skip_locked=True)
        .values("pk")[:room]
    )
    with transaction.atomic():  # FOR UPDATE needs one (a single COMMIT more)
        return engine.claim_many(KIND, candidates, **claiming)


# -- one connection's share of a batch ------------------------------------------------


class _Batch:
    def __init__(self, deliveries: list[Delivery], *, mine: Q, deadline: float):
        self.deliveries = deliveries
        self.connection = deliveries[0].connection
        self.mine = mine
        self.deadline = deadline
        self.results: dict[int, str] = {}
        #: Deliveries done (delivered, skipped, dead): their members' next may go.
        self.finished: list[Delivery] = []

    def run(self) -> dict[int, str]:
        try:
            vendor = registry.get(self.connection.kind)
            client = _client_for(self.connection, vendor)
        except (DeliveryError, UndecryptableCredentials) as error:
            message = _redacted(str(error), self.connection)
            self._fail(self.deliveries, message, permanent=True)
            return self.results
        attempts = self._attempts()
        if isinstance(vendor.category, KeyedByEmail):
            _remember_all(attempts)
        plan = vendor.category.plan(client, attempts)
        for index, part in enumerate(plan):
            if time.monotonic() > self.deadline:
                self._hand_back([a for rest in plan[index:] for a in rest])
                break
            try:
                if len(part) == 1:
                    outcomes = {part[0]: vendor.category.push(client, part[0])}
                else:
                    outcomes = vendor.category.push_batch(client, part)
            except SoftTimeLimitExceeded:
                self._hand_back([a for rest in plan[index:] for a in rest])
                raise
            except DeliveryError as error:
                if pauses_connection(error):
                    self._pause(error, [a for rest in plan[index:] for a in rest])
                    break
                outcomes = {part[0]: error}
                if len(part) > 1:
                    outcomes, unsent, pause = self._push_alone(vendor, client, part)
                    if unsent:
                        self._record(outcomes)
                        later = unsent + [a for rest in plan[index + 1 :] for a in rest]
                        if pause is None:
                            self._hand_back(later)
                        else:
                            self._pause(pause, later)
                        break
            except UndecryptableCredentials as error:
                outcomes = dict.fromkeys(part, DeliveryError(str(error), permanent=True))
            except Exception as error:  # a bug or an unexpected library error: retry, visibly
                logger.exception("deliveries %s failed unexpectedly", [a.delivery.pk for a in part])
                outcomes = dict.fromkeys(
                    part, DeliveryError(f"internal error: {error!r}", permanent=False)
                )
            self._record(outcomes)
            if any(isinstance(outcome, ReceiverGone) for outcome in outcomes.values()):
                # The category switched the connection off: the rest waits.
                self._hand_back([a for rest in plan[index + 1 :] for a in rest])
                break
        return self.results

    def _push_alone(self, vendor, client, part: list["_Attempt"]):
        """A batch call failed: its members go one at a time, so one member's
        bad data (or a fault that meets only them) holds back no one else.
        Two failing in a row mean the remote itself is failing: the rest
        share that error (an attempt each) rather than try it a hundred times.

        Returns (outcomes, what was not sent, the error that pauses the
        connection or None)."""
        outcomes = {}
        in_a_row = 0
        for index, attempt in enumerate(part):
            if in_a_row >= 2:
                outcomes.update(dict.fromkeys(part[index:], outcomes[part[index - 1]]))
                break
            if time.monotonic() > self.deadline:
                return outcomes, part[index:], None
            try:
                outcome = vendor.category.push(client, attempt)
            except SoftTimeLimitExceeded:
                return outcomes, part[index:], None
            except DeliveryError as error:
                if pauses_connection(error):
                    return outcomes, part[index:], error
                outcome = error
            except Exception as error:  # as in run(): retried, visibly
                logger.exception("delivery %s failed unexpectedly", attempt.delivery.pk)
                outcome = DeliveryError(f"internal error: {error!r}", permanent=False)
            outcomes[attempt] = outcome
            failing = isinstance(outcome, DeliveryError) and not outcome.permanent
            in_a_row = in_a_row + 1 if failing else 0
        return outcomes, [], None

    def _attempts(self) -> list["_Attempt"]:
        refs = {d.member_ref for d in self.deliveries}
        snapshots = member_snapshots(Member.objects.filter(pk__in=refs))
        addresses = defaultdict(list)
        rows = RemoteAddress.objects.filter(connection=self.connection, member_ref__in=refs)
        for ref, email in rows.order_by("-last_sent_at", "-id").values_list("member_ref", "email"):
            addresses[ref].append(email)
        return [
            _Attempt(
                d,
                person=_person_for(d, snapshots.get(d.member_ref)),
                addresses=addresses[d.member_ref],
            )
            for d in self.deliveries
        ]

    # -- outcomes --------------------------------------------------------------------

    def _record(self, outcomes: dict) -> None:
        done = defaultdict(list)
        failed = defaultdict(list)
        for attempt, outcome in outcomes.items():
            if isinstance(outcome, DeliveryError):
                key = (_redacted(str(outcome), self.connection), outcome.permanent)
                failed[key + (outcome.retry_after,)].append(attempt.delivery)
            else:
                done[outcome].append(attempt.delivery)
        for note, deliveries in done.items():
            status = DeliveryStatus.SUCCEEDED if note is None else DeliveryStatus.SKIPPED
            updated = engine.complete(
                KIND,
                [d.pk for d in deliveries],
                where=self.mine,
                status=status,
                succeeded_at=timezone.now(),
                last_error=note or "",
            )
            if updated:
                self.finished += deliveries
                self.results.update(dict.fromkeys([d.pk for d in deliveries], status))
        for (message, permanent, retry_after), deliveries in failed.items():
            self._fail(deliveries, message, permanent=permanent, retry_after=retry_after)

    def _fail(self, deliveries, message, *, permanent, retry_after=None) -> None:
        """``message`` is stored and shown to admins: callers redact remote text."""
        by_attempt = defaultdict(list)
        for delivery in deliveries:
            by_attempt[delivery.attempts].append(delivery)  # loaded after the claim
        for attempt, same in by_attempt.items():
            status = engine.fail(
                KIND,
                [d.pk for d in same],
                message,
                attempt=attempt,
                permanent=permanent,
                retry_after=retry_after,
                where=self.mine,
            )
            self.results.update(dict.fromkeys([d.pk for d in same], status))
            if status == DeliveryStatus.DEAD:
                self.finished += same

    def _pause(self, error: DeliveryError, unsent: list["_Attempt"]) -> None:
        """The remote (429) or our limit says wait: the whole connection waits,
        and nothing sent to it meanwhile counts as an attempt."""
        policy = engine.kind(KIND).policy
        cap = policy.backoff_cap.total_seconds()
        wait = error.retry_after if error.retry_after is not None else policy.backoff_base.seconds
        until = timezone.now() + timedelta(seconds=min(max(wait, 0.05), cap))
        Connection.objects.filter(pk=self.connection.pk).update(
            paused_until=Greatest(Coalesce(F("paused_until"), Value(until)), Value(until))
        )
        logger.info("connection %s paused until %s: %s", self.connection.pk, until, error)
        note = _redacted(str(error), self.connection)
        self._hand_back(unsent, until=until, note=note)

    def _hand_back(self, unsent: list["_Attempt"], *, until=None, note=None) -> None:
        """Un-claim deliveries this task did not send: the attempt is not
        counted, and they are queued again (for ``until``, or now)."""
        if not unsent:
            return
        now = timezone.now()
        due = until or now
        pks = [a.delivery.pk for a in unsent]
        columns = {
            "status": Case(
                When(attempts__lte=1, then=Value(DeliveryStatus.PENDING)),
                default=Value(DeliveryStatus.FAILED),
            ),
            "attempts": F("attempts") - 1,
            "lease_expires_at": None,
            "next_attempt_at": due,
            "enqueued_at": None,
        }
        if note:
            columns["last_error"] = note[:2000]
        Delivery.objects.filter(self.mine, pk__in=pks).update(**columns)
        self.results.update(dict.fromkeys(pks, "paused" if until else "busy"))
        if not engine.eager():
            # In eager mode a countdown is ignored: tests run the sweep.
            engine.kick(KIND, pks, countdown=max(0.0, (due - now).total_seconds()))


def _requeue_paused(unclaimed: set[int], *, now) -> None:
    """Deliveries not taken because their connection is paused are queued
    for the end of the pause (their message is used up); the others (not
    their turn, held by another worker) are queued by whoever finishes first."""
    waiting = (
        Delivery.objects.filter(
            pk__in=unclaimed, status__in=CLAIMABLE, connection__paused_until__gt=now
        )
        .values_list("pk", "connection__paused_until")
        .order_by("pk")
    )
    by_until = defaultdict(list)
    for pk, until in waiting:
        by_until[until].append(pk)
    if engine.eager():
        return
    for until, pks in by_until.items():
        engine.kick(KIND, pks, countdown=(until - now).total_seconds())


def _enqueue_next(finished: list[Delivery]) -> None:
    """These deliveries are done: each member's next one for that connection may go."""
    if not finished:
        return
    wanted = Q()
    for delivery in finished:
        wanted |= Q(
            connection_id=delivery.connection_id,
            member_ref=delivery.member_ref,
            event_id__gt=delivery.event_id,
        )
    rows = (
        Delivery.objects.filter(wanted, status__in=CLAIMABLE)
        .order_by("connection_id", "member_ref", "event_id")
        .values_list("pk", "connection_id", "member_ref")
    )
    first = {}
    for pk, connection_id, member_ref in rows:
        first.setdefault((connection_id, member_ref), pk)
    if first:
        engine.kick(KIND, sorted(first.values()))


# -- what a category reads and does during an attempt --------------------------------


def _person_for(delivery: Delivery, snapshot: dict | None):
    """The member's current state; the event's snapshot once the member is gone."""
    if snapshot is None:
        return person_from_snapshot(delivery.event.payload, status=REMOVED)
    if delivery.event.event == MemberEvent.REMOVED:
        return person_from_snapshot(snapshot, status=REMOVED)
    return person_from_snapshot(snapshot)


class _Attempt:
    """One delivery's attempt, as a vendor's category sees it
    (``integrations.vendors.categories.Attempt``)."""

    def __init__(self, delivery: Delivery, *, person, addresses: list[str]):
        self.delivery = delivery
        self.person = person
        #: The addresses sent to this connection for the member, most recent first.
        self.addresses = addresses
        self.idempotency_key = delivery.idempotency_key
        self.event = delivery.event.event
        self.sequence = delivery.event.sequence
        self.previous = delivery.event.payload.get("previous")

    def __hash__(self):
        return hash(self.delivery.pk)

    def __eq__(self, other):
        return isinstance(other, _Attempt) and other.delivery.pk == self.delivery.pk

    def recorded_person(self):
        """The member as the event recorded them. A webhook receiver is told
        each change (Former, then Active), not the latest state twice; the
        systems that only hold state converge on the current one instead."""
        payload = self.delivery.event.payload
        if not payload:
            return self.person
        removed = self.event == MemberEvent.REMOVED
        return person_from_snapshot(payload, status=REMOVED if removed else None)

    def _rows(self):
        return RemoteAddress.objects.filter(
            connection_id=self.delivery.connection_id, member_ref=self.delivery.member_ref
        )

    def earlier_addresses(self) -> list[str]:
        """Every address the system may hold the member under besides the
        current one, most recently sent first (where a contact most likely is).

        An address another member of the organization has now is theirs: it is
        let go here, not revoked or moved (that would take their door access or
        their contact), and their own deliveries keep it right."""
        current = self.person.email.casefold()
        stale = [email for email in self.addresses if email.casefold() != current]
        if not stale:
            return []
        taken = {
            email.casefold()
            for email in Member.objects.filter(organization_id=self.delivery.organization_id)
            .exclude(pk=self.delivery.member_ref)
            .annotate(address=Lower("email"))
            .filter(address__in=[email.lower() for email in stale])
            .values_list("email", flat=True)
        }
        self.release([email for email in stale if email.casefold() in taken])
        return [email for email in stale if email.casefold() not in taken]

    def remember(self, email: str) -> None:
        """Note ``email`` before an attempt sends it: should the remote act and
        its answer be lost, the address is still known (R3.3). Nothing to
        write when it is already the latest address sent."""
        if self.addresses and self.addresses[0].casefold() == email.casefold():
            return
        if any(known.casefold() == email.casefold() for known in self.addresses):
            with durability.durable():
                self._rows().filter(email__iexact=email).update(
                    email=email, last_sent_at=timezone.now()
                )
        else:
            _remember_all([self], email=email)
        self.addresses[:] = [email] + [
            known for known in self.addresses if known.casefold() != email.casefold()
        ]

    def release(self, emails) -> None:
        """The remote confirmed nothing of the member is left under these."""
        emails = list(emails)
        if emails:
            self._rows().filter(email__in=emails).delete()
            self.addresses[:] = [known for known in self.addresses if known not in emails]

    def account_deleted(self) -> bool:
        return Member.objects.filter(
            pk=self.delivery.member_ref, account_deleted_at__isnull=False
        ).exists()

    def switch_off(self, reason: str) -> None:
        connection_switch_off(connection=self.delivery.connection, reason=reason)


def _remember_all(attempts: list[_Attempt], *, email: str | None = None) -> None:
    """Note each attempt's address (``email``, else the member's current one)
    where it is new to the connection, in one durable INSERT before anything
    of the batch is sent. Noted early is harmless: an address never sent is
    only revoked or erased in vain."""
    now = timezone.now()
    new = []
    for attempt in attempts:
        address = email or attempt.person.email
        if address and not any(k.casefold() == address.casefold() for k in attempt.addresses):
            new.append((attempt, address))
    if not new:
        return
    with durability.durable():
        # A differently-cased twin written meanwhile is the same address.
        RemoteAddress.objects.bulk_create(
            [
                RemoteAddress(
                    organization_id=attempt.delivery.organization_id,
                    connection_id=attempt.delivery.connection_id,
                    member_ref=attempt.delivery.member_ref,
                    email=address,
                    first_sent_at=now,
                    last_sent_at=now,
                )
                for attempt, address in new
            ],
            ignore_conflicts=True,
        )
    for attempt, address in new:
        attempt.addresses.insert(0, address)


# -- clients, one per connection per worker process ---------------------------------------

#: connection id → (what the client was built from, the client).
_clients: dict[int, tuple[tuple, object]] = {}
#: Clients kept per process; the least recently used is closed beyond it.
KEEP_CLIENTS = 64


def _client_for(connection: Connection, vendor):
    """The connection's client, kept for the next task: its HTTP connections
    (in production a TLS handshake each) are reused. Rebuilt when the
    connection's address, credentials or limits change."""
    timeout = float(_setting("INTEGRATIONS_HTTP_TIMEOUT", 10))
    private = bool(_setting("INTEGRATIONS_ALLOW_PRIVATE_HOSTS", False))
    made_from = (
        connection.kind,
        connection.base_url,
        connection.credentials_encrypted,
        connection.rate_limit,
        connection.created_at,
        timeout,
        private,
    )
    kept = _clients.pop(connection.pk, None)
    if kept is not None and kept[0] == made_from:
        _clients[connection.pk] = kept  # most recently used last
        return kept[1]
    if kept is not None:
        kept[1].close()
    client = vendor.build_client(
        connection.base_url,
        connection.credentials,
        timeout=timeout,
        allow_private_hosts=private,
        throttle=throttle.for_connection(connection),
    )
    _clients[connection.pk] = (made_from, client)
    while len(_clients) > KEEP_CLIENTS:
        _clients.pop(next(iter(_clients)))[1].close()
    return client


def close_clients(**kwargs) -> None:
    """Worker process shutdown (a Celery signal): close every kept client."""
    while _clients:
        _clients.popitem()[1][1].close()


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
