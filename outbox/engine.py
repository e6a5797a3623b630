"""One outbox engine for every kind of owed work (integration deliveries,
invitation emails, notification emails).

The pattern, the same for each kind:

1. **Record** in the caller's transaction: the row saying what is owed is
   inserted with ``enqueued_at`` set, and ``record`` asks for its task to be
   published once that transaction commits (a rolled-back change sends
   nothing, a committed one is never lost).
2. **Hand out**: ``kick`` publishes the kind's task through
   ``outbox.broker.publish``, which never makes anyone wait; a refusal
   clears ``enqueued_at`` so the next sweep has the rows at once.
3. **Claim** by one conditional UPDATE (``claim``): owed, due, not leased,
   attempts left, plus whatever the kind adds (a delivery's turn). Row
   locking re-checks the conditions, so two claimers never both win.
4. **Complete** or **fail**: a failure schedules the next attempt with
   backoff (``timing.Policy``) and publishes it with that countdown; after
   ``max_attempts`` the row is dead, shown where the kind shows its rows.
5. **Sweep** (``sweep_due``, every kind from one beat task): a lease that ran
   out (the worker died) is taken back, as a failed attempt or as simply due
   again, as the kind says; rows due a grace period ago that no message is
   waiting for are published again.

At least once, never exactly once: a worker killed after the remote took the
work and before ``complete`` is taken back and tries again. Each kind's
handler makes the repeat harmless (idempotency keys, a duplicate notice).
"""

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.db import connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from . import timing
from .broker import publish

logger = logging.getLogger(__name__)

WORKER_LOST = "The worker stopped before the attempt finished (killed, or over its time limit)."
#: What a sweep with a lease run out does: count it as a failed attempt
#: (backoff, then dead) or make the row due again at once.
LEASE_LOST_FAILS, LEASE_LOST_RETRIES = "fails", "retries"


def _nothing(now) -> dict:
    return {}


@dataclass(frozen=True)
class Kind:
    name: str  # a key of outbox.timing's policies
    model: type
    #: The Celery task that works rows off: one id, or a list of up to ``batch``.
    task: object
    #: Rows still owed (neither done nor dead by the kind's own state).
    owed: Callable[[datetime], Q]
    batch: int | None = None
    #: Further conditions for a claim (a delivery: its status, its turn).
    ready: Callable[[object], object] = lambda queryset: queryset
    #: Further conditions for the sweep (a notification: not stale news).
    sweepable: Callable[[object, datetime], object] = lambda queryset, now: queryset
    #: Columns set besides the engine's when an attempt fails / the row dies.
    failed: Callable[[datetime], dict] = _nothing
    dead: Callable[[datetime], dict] = _nothing
    lease_lost: str = LEASE_LOST_RETRIES
    #: Run first by the sweep (a delivery: fan out events still unprocessed).
    before_sweep: Callable[..., dict] | None = None

    @property
    def policy(self) -> timing.Policy:
        return timing.policy(self.name)


_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Called from the kind's AppConfig.ready()."""
    _kinds[kind.name] = kind
    return kind


def kinds() -> list[Kind]:
    return list(_kinds.values())


def kind(name: str) -> Kind:
    return _kinds[name]


def eager() -> bool:
    return bool(current_app.conf.task_always_eager)


# -- backoff --------------------------------------------------------------------------


def backoff(name: str, attempt: int, retry_after: float | None = None) -> timedelta:
    """How long after failed attempt ``attempt`` the next one may run."""
    policy = timing.policy(name)
    cap = policy.backoff_cap.total_seconds()
    delay = min(cap, policy.backoff_base.total_seconds() * 2 ** max(0, attempt - 1))
    if policy.jitter:
        # "Equal jitter": half fixed, half random, so the retries of many rows
        # that failed together (a remote outage) do not come back together.
        delay = delay / 2 + random.uniform(0, delay / 2)
    if retry_after is not None:
        # Capped: a remote asking for a day would park the task in a worker
        # past the broker's visibility timeout, and Redis would hand it out again.
        delay = max(delay, min(retry_after, cap))
    return timedelta(seconds=delay)


# -- recording and handing out -----------------------------------------------------


def record(name: str, ids: list[int]) -> None:
    """In the caller's transaction, after inserting owed rows (with
    ``enqueued_at`` set): publish their task once it commits. ``robust``:
    the change is committed by then; a failing callback must not turn the
    response into an error, and the sweep sends what was not published."""
    if ids:
        transaction.on_commit(lambda: kick(name, ids), robust=True)


def kick(
    name: str, ids: list[int], *, countdown: float | None = None, priority: int | None = None
) -> int:
    """Publish the kind's task for ``ids``; returns how many messages the
    broker took. Never raises. Stops at the first refusal: with the broker
    down, trying the rest would only keep someone waiting; the rest is left
    for the next sweep (``enqueued_at`` cleared). ``priority``: the broker's
    (``outbox.broker.BULK`` for work that may wait behind single changes)."""
    owed = _kinds[name]
    size = owed.batch or 1
    sent = 0
    for start in range(0, len(ids), size):
        part = ids[start : start + size]
        try:
            taken = publish(
                owed.task, part if owed.batch else part[0], countdown=countdown, priority=priority
            )
        except Exception as error:  # noqa: BLE001 - eager mode: the task failed right here
            logger.warning("%s %s failed inline (%s); the sweep retries", name, part, error)
            return sent
        if not taken:
            owed.model.objects.filter(pk__in=ids[start:], lease_expires_at__isnull=True).update(
                enqueued_at=None
            )
            return sent
        sent += 1
        if not eager():
            due = timezone.now() + timedelta(seconds=countdown or 0)
            owed.model.objects.filter(pk__in=part).update(enqueued_at=due)
    return sent


# -- claim, complete, fail --------------------------------------------------------


def _lease_free(now) -> Q:
    return Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)


def _due(now) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def claimable(name: str, now):
    """The rows a worker may take now."""
    owed = _kinds[name]
    return owed.ready(
        owed.model.objects.filter(
            owed.owed(now),
            _lease_free(now),
            _due(now),
            attempts__lt=owed.policy.max_attempts,
        )
    )


def claim(name: str, pk: int, *, now=None, **also) -> bool:
    """Take row ``pk`` for one attempt: one conditional UPDATE that checks
    everything. Nothing is checked beforehand in a separate query: between
    such a check and the UPDATE a duplicate message could have taken it.
    ``also``: columns the kind sets with the claim (a token, a status)."""
    now = now or timezone.now()
    lease = _kinds[name].policy.lease
    return bool(
        claimable(name, now)
        .filter(pk=pk)
        # The message that brought the worker here is used up: from now on
        # the lease, not ``enqueued_at``, keeps the sweep away.
        .update(**also, attempts=F("attempts") + 1, lease_expires_at=now + lease, enqueued_at=None)
    )


def claim_many(name: str, pks, *, now=None, **also) -> list[int]:
    """``claim`` for many rows in one statement; returns the ids it took.
    ``pks``: a list, or a subquery of candidates.

    The same conditional UPDATE with ``RETURNING`` (PostgreSQL, and SQLite
    since 3.35): a batch of deliveries costs one round trip to claim, and
    rows another worker holds or whose turn it is not are simply not taken."""
    if isinstance(pks, list) and not pks:
        return []
    now = now or timezone.now()
    lease = _kinds[name].policy.lease
    rows = claimable(name, now).filter(pk__in=pks)
    values = {
        **also,
        "attempts": F("attempts") + 1,
        "lease_expires_at": now + lease,
        "enqueued_at": None,
    }
    return update_returning_ids(rows, values)


def update_returning_ids(queryset, values: dict) -> list[int]:
    """``queryset.update(**values)``, returning the primary keys it updated."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    query.annotations = {}
    compiler = query.get_compiler(queryset.db)
    # What execute_sql() would do first: a join becomes "pk IN (SELECT …)".
    compiler.pre_sql_setup()
    sql, params = compiler.as_sql()
    if not sql:
        return []
    db = connections[queryset.db]
    pk = db.ops.quote_name(queryset.model._meta.pk.column)
    with db.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {pk}", params)
        return [row[0] for row in cursor.fetchall()]


def complete(name: str, pks: list[int], *, where: Q | None = None, **done) -> int:
    """The work is done: ``done`` holds the kind's own "done" columns."""
    rows = _kinds[name].model.objects.filter(pk__in=pks)
    if where is not None:
        rows = rows.filter(where)
    return rows.update(lease_expires_at=None, enqueued_at=None, **done)


def fail(
    name: str,
    pks: list[int],
    error: str,
    *,
    attempt: int,
    permanent: bool = False,
    retry_after: float | None = None,
    where: Q | None = None,
) -> str:
    """Record a failed attempt (number ``attempt``) of the rows: "failed"
    (retried after backoff, published with that countdown), "dead" (a
    permanent error, or no attempts left) or "busy" (someone else holds them).
    ``error`` is stored and shown: callers redact remote text."""
    owed = _kinds[name]
    policy = owed.policy
    now = timezone.now()
    dead = permanent or attempt >= policy.max_attempts
    if dead:
        if not permanent:
            error = f"Gave up after {attempt} attempts. Last error: {error}"
        delay, columns = timedelta(0), owed.dead(now)
    else:
        delay, columns = backoff(name, attempt, retry_after), owed.failed(now)
    rows = owed.model.objects.filter(pk__in=pks)
    if where is not None:
        rows = rows.filter(where)
    updated = rows.update(
        lease_expires_at=None,
        enqueued_at=None,
        next_attempt_at=now + delay,
        last_error=error[:2000],
        **columns,
    )
    if not updated:
        return "busy"
    if dead:
        logger.warning("%s %s dead: %s", name, pks, error)
        return "dead"
    if not eager():
        # In eager mode a countdown is ignored, which would retry at once and
        # recurse; tests run the sweep instead.
        kick(name, list(pks), countdown=delay.total_seconds())
    return "failed"


# -- the sweep ----------------------------------------------------------------------


def sweep_due(name: str, *, now=None, grace: float | timedelta | None = None, limit=1000) -> dict:
    """Pick up what the kind's own messages did not finish; returns counts.

    ``grace`` (default: the policy's) leaves a row that long past its due
    time to its own message, so the sweep does not race every fresh change;
    tests pass 0."""
    owed = _kinds[name]
    policy = owed.policy
    now = now or timezone.now()
    if grace is None:
        grace = policy.sweep_grace
    elif not isinstance(grace, timedelta):
        grace = timedelta(seconds=grace)
    counts = owed.before_sweep(now=now, grace=grace, limit=limit) if owed.before_sweep else {}

    reclaimed = 0
    if owed.lease_lost == LEASE_LOST_FAILS:
        # An attempt whose worker died counts like a failed one: retrying it
        # at once for ever would loop on work that kills its worker each time.
        expired = owed.model.objects.filter(owed.owed(now), lease_expires_at__lt=now)
        for pk, attempts in expired.values_list("pk", "attempts")[:limit]:
            held = Q(lease_expires_at__lt=now, attempts=attempts)
            reclaimed += fail(name, [pk], WORKER_LOST, attempt=attempts, where=held) != "busy"

    ids = list(
        owed.sweepable(claimable(name, now), now)
        .annotate(outbox_due=Coalesce("next_attempt_at", "created_at"))
        .filter(outbox_due__lte=now - grace)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - policy.requeue_after))
        .order_by("outbox_due", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        # Before publishing, so a fast failure's own schedule is not overwritten.
        owed.model.objects.filter(pk__in=ids).update(enqueued_at=now)
        kick(name, ids)
    return {**counts, "reclaimed": reclaimed, "requeued": len(ids)}


def sweep_all() -> dict[str, dict]:
    """Beat's one sweep: every registered kind, each on its own (one kind's
    error does not stop the others)."""
    results = {}
    for owed in kinds():
        try:
            results[owed.name] = sweep_due(owed.name)
        except Exception:
            logger.exception("the %s sweep failed", owed.name)
            results[owed.name] = {"error": 1}
    return results
