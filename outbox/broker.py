"""Handing a task to the broker without making anyone wait on it.

Everything that queues a task from a request (integration events, invitation
and notification emails) has already committed a row saying what is owed,
and a beat sweep sends whatever was not queued. So a publish only has to be
quick, never sure:

- its own connection with short timeouts and no retries (the workers'
  connection keeps ``CELERY_BROKER_TRANSPORT_OPTIONS``, whose read timeout
  must stay above kombu's 1 s poll);
- after a failure the broker is left alone for ``BROKER_PUBLISH_PAUSE``
  seconds: a request that would queue ten tasks to a frozen Redis does not
  wait ten times, nor does every request after it.
"""

import contextlib
import logging
import os
import threading
import time

from celery import current_app
from django.conf import settings

logger = logging.getLogger(__name__)

#: When publishing to each broker last failed (time.monotonic()), per process.
_failed_at: dict[str, float] = {}
#: Each thread keeps its publishing connection (a new one costs ~10 ms).
_held = threading.local()


def _transport_options() -> dict:
    timeout = float(getattr(settings, "BROKER_PUBLISH_TIMEOUT", 0.3))
    return {
        "max_retries": 0,
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
    }


#: A message's priority for work that may wait behind single changes (a
#: resync, a mass invite): Redis keeps one list per priority and a worker
#: takes from the default (0) list first.
BULK = 9


def publish(task, *args, countdown: float | None = None, priority: int | None = None) -> bool:
    """Send ``task(*args)``; False when the broker did not take it (or failed
    moments ago). Never raises, except in eager mode (no broker: the task
    runs here, and its errors are the caller's)."""
    app = current_app
    if app.conf.task_always_eager:
        task.delay(*args)  # eager mode runs it now, whatever the countdown
        return True
    url = app.conf.broker_write_url or app.conf.broker_url
    pause = float(getattr(settings, "BROKER_PUBLISH_PAUSE", 10.0))
    failed_at = _failed_at.get(url)
    if failed_at is not None and time.monotonic() - failed_at < pause:
        logger.info("the broker failed moments ago: %s left for the sweep", task.name)
        return False
    try:
        options = {} if priority is None else {"priority": priority}
        task.apply_async(
            args, countdown=countdown, retry=False, connection=_connection(app, url), **options
        )
    except Exception as error:  # noqa: BLE001 - any broker failure means "the sweep sends it"
        _failed_at[url] = time.monotonic()
        _drop_connection()
        logger.warning(
            "could not queue %s (%s); the sweep sends it, and the broker is left alone for %gs",
            task.name,
            error,
            pause,
        )
        return False
    _failed_at.pop(url, None)
    return True


def _connection(app, url: str):
    key = (url, os.getpid())
    held = getattr(_held, "key", None)
    if held != key:
        if held is not None and held[1] == key[1]:
            _drop_connection()  # another broker now (tests switch)
        # In a forked child the parent's socket is not ours to close: it is
        # only forgotten.
        _held.key = key
        _held.connection = app.connection_for_write(url, transport_options=_transport_options())
    return _held.connection


def _drop_connection() -> None:
    connection, _held.connection, _held.key = getattr(_held, "connection", None), None, None
    if connection is not None:
        with contextlib.suppress(Exception):  # it is being thrown away
            connection.release()
