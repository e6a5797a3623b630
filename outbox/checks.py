"""Start-up check: the outbox's timings agree with the Celery task limits
(outbox/timing.py says why each relation matters)."""

from celery import current_app
from django.core.checks import Error, register

from . import engine, timing


@register()
def outbox_timing(app_configs=None, **kwargs):
    errors = []
    conf = current_app.conf
    every = timing.sweep_every()
    for owed in engine.kinds():
        lease = owed.policy.lease.total_seconds()
        hard = getattr(owed.task, "time_limit", None) or conf.task_time_limit
        soft = getattr(owed.task, "soft_time_limit", None) or conf.task_soft_time_limit
        name = getattr(owed.task, "name", owed.name)
        if hard is None or hard >= lease:
            errors.append(
                Error(
                    f"{name}: time limit {hard}s is not below the {owed.name} lease ({lease:g}s)",
                    hint="A row would be taken back while its worker may still be sending.",
                    id="outbox.E001",
                )
            )
        if soft is not None and hard is not None and soft >= hard:
            errors.append(
                Error(
                    f"{name}: soft time limit {soft}s is not below its hard limit {hard}s",
                    id="outbox.E002",
                )
            )
        if every >= lease:
            errors.append(
                Error(
                    f"the outbox sweep runs every {every:g}s, not within the "
                    f"{owed.name} lease ({lease:g}s)",
                    hint="Set OUTBOX_SWEEP_EVERY below the shortest lease.",
                    id="outbox.E003",
                )
            )
    return errors
