"""Every outbox timing in one place, per kind (docs/architecture.md, "The outbox").

How they must relate, checked at start-up (outbox/checks.py):

- a kind's task is killed (hard time limit) before its lease runs out, so a
  row is only taken back once the worker that held it cannot still be
  sending; its soft limit comes before the hard one;
- beat's sweep runs more often than the shortest lease, so a row whose
  worker died waits about one lease, not several.

Integration deliveries read their numbers from settings (``INTEGRATIONS_*``,
set from the environment: the worker tests start workers with short leases);
the email kinds' numbers are fixed here.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

INTEGRATION_DELIVERY = "integration_delivery"
INVITATION_EMAIL = "invitation_email"
NOTIFICATION_EMAIL = "notification_email"
APPROVAL_DECISION_EMAIL = "approval_decision_email"


@dataclass(frozen=True)
class Policy:
    #: A worker holds a claimed row this long; then the sweep takes it back.
    lease: timedelta
    #: The kind's Celery task limits (seconds): hard < lease, soft < hard.
    soft_time_limit: float
    time_limit: float
    #: After failed attempt n: min(cap, base * 2**(n-1)), "equal jitter" when on.
    backoff_base: timedelta
    backoff_cap: timedelta
    jitter: bool
    #: After this many attempts the row is dead (a dead letter).
    max_attempts: int
    #: The sweep leaves a row this long past its due time to its own message.
    sweep_grace: timedelta
    #: A row whose message went to the broker is not sent again for this long
    #: (the message may still be queued behind a backlog).
    requeue_after: timedelta


def sweep_every() -> float:
    """Seconds between beat's runs of ``outbox.sweep`` (every kind)."""
    return float(getattr(settings, "OUTBOX_SWEEP_EVERY", 30.0))


def _integration_delivery() -> Policy:
    lease = float(getattr(settings, "INTEGRATIONS_LEASE_SECONDS", 120.0))
    return Policy(
        lease=timedelta(seconds=lease),
        # Fractions of the lease: the worker tests shorten the lease alone.
        soft_time_limit=lease * 0.5,
        time_limit=lease * 0.75,
        backoff_base=timedelta(seconds=float(getattr(settings, "INTEGRATIONS_BACKOFF_BASE", 15))),
        backoff_cap=timedelta(seconds=float(getattr(settings, "INTEGRATIONS_BACKOFF_MAX", 3600))),
        jitter=True,
        max_attempts=int(getattr(settings, "INTEGRATIONS_MAX_ATTEMPTS", 10)),
        sweep_grace=timedelta(seconds=float(getattr(settings, "INTEGRATIONS_SWEEP_GRACE", 60))),
        requeue_after=timedelta(seconds=lease),
    )


def _invitation_email() -> Policy:
    return Policy(
        # A chunk of 100 emails at about a second each fits the soft limit.
        lease=timedelta(minutes=10),
        soft_time_limit=120,
        time_limit=180,
        # 1, 2, 4 … minutes, at most 17 hours: attempts spread over a day.
        backoff_base=timedelta(minutes=1),
        backoff_cap=timedelta(minutes=1024),
        jitter=False,
        max_attempts=8,
        sweep_grace=timedelta(minutes=2),
        requeue_after=timedelta(minutes=10),
    )


def _notification_email() -> Policy:
    return Policy(
        lease=timedelta(minutes=5),
        soft_time_limit=30,
        time_limit=60,
        backoff_base=timedelta(minutes=1),
        backoff_cap=timedelta(hours=1),
        jitter=True,
        max_attempts=6,
        sweep_grace=timedelta(minutes=2),
        requeue_after=timedelta(minutes=2),
    )


_POLICIES = {
    INTEGRATION_DELIVERY: _integration_delivery,
    INVITATION_EMAIL: _invitation_email,
    NOTIFICATION_EMAIL: _notification_email,
    # One email to one contact person, like a notice: the same timing.
    APPROVAL_DECISION_EMAIL: _notification_email,
}


def policy(kind: str) -> Policy:
    """The kind's timing as the settings say now (tests change settings)."""
    override = getattr(settings, "OUTBOX_POLICY_OVERRIDES", {}).get(kind, {})
    base = _POLICIES[kind]()
    return Policy(**{**base.__dict__, **override}) if override else base


def task_limits(kind: str) -> dict:
    """``soft_time_limit``/``time_limit`` for the kind's Celery task."""
    timing = policy(kind)
    return {"soft_time_limit": timing.soft_time_limit, "time_limit": timing.time_limit}
