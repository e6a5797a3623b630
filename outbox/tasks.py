from celery import shared_task

from . import engine


@shared_task(name="outbox.sweep", ignore_result=True, soft_time_limit=60, time_limit=90)
def sweep() -> dict:
    """Beat, every ``timing.sweep_every()`` seconds: every kind's sweep."""
    return engine.sweep_all()
