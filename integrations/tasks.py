"""Celery tasks of the integration pipeline: thin, id-taking wrappers.

Every task loads fresh rows and is safe to run twice (rows are claimed
atomically), so all of them are ``acks_late`` with ``reject_on_worker_lost``.
That keeps messages for work that had not started yet (a dispatch, a
``deliver`` still queued in a dying worker's prefetch); it does not recover
an attempt that was under way: the redelivered ``deliver`` finds the
delivery still leased and returns "busy". Recovery of those, and of anything
else that slips through (broker down at commit, messages a SIGKILLed worker
held unacknowledged until Redis's visibility timeout), comes from the rows:
the outbox sweep (``outbox.sweep``, beat) fans out unprocessed events, takes
back deliveries whose lease expired and re-sends due ones that no message is
waiting for. The timings are in outbox/timing.py.
"""

import logging
import time

from celery import current_app, shared_task
from django.conf import settings

from outbox import timing
from outbox.broker import publish

logger = logging.getLogger(__name__)


LIMITS = timing.task_limits(timing.INTEGRATION_DELIVERY)
TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(name="integrations.dispatch_events", **TASK_OPTIONS, **LIMITS)
def dispatch_events(event_ids: list[int], bulk: bool = False) -> None:
    from .services import outbox_fan_out_many

    # One connection's share of a single change goes out from here, the
    # others through messages of their own; bulk ones all through messages,
    # behind single changes.
    outbox_fan_out_many(event_ids=event_ids, bulk=bulk, deliver_here=not bulk)


@shared_task(name="integrations.deliver", **TASK_OPTIONS, **LIMITS)
def deliver(delivery_ids: list[int] | int) -> dict:
    """Up to ``attempts.batch_size()`` deliveries (one id from messages queued
    before batches)."""
    from .services import delivery_attempts

    ids = [delivery_ids] if isinstance(delivery_ids, int) else delivery_ids
    return delivery_attempts(delivery_ids=ids)


@shared_task(name="integrations.prune", ignore_result=True, soft_time_limit=300, time_limit=360)
def prune() -> dict:
    """Beat, hourly: delivered deliveries and events past their retention."""
    from .retention import prune as prune_old

    return prune_old()


@shared_task(name="integrations.probe", ignore_result=True)
def probe(key: str) -> None:
    """Record when a worker ran it: the benchmark's bare round-trip baseline."""
    import redis

    redis.Redis.from_url(settings.REDIS_URL).rpush(key, repr(time.time()))


TASKS = {"dispatch_events": dispatch_events, "deliver": deliver}


def eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def enqueue(
    task_name: str, *args, countdown: float | None = None, priority: int | None = None
) -> bool:
    """Send a task. Returns False when the broker did not take it; never
    raises, except in eager mode (the task ran here and failed).

    The rows it would act on are already committed, so a refused message is
    only a delay: the sweep finds them. ``outbox.broker.publish`` keeps a
    web request from waiting on a broker that is down or frozen.
    """
    return publish(TASKS[task_name], *args, countdown=countdown, priority=priority)
