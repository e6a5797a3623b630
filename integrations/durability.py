"""Which of the pipeline's writes wait for the disk.

A PostgreSQL commit waits for its WAL to reach the disk (``synchronous_commit``);
on a busy machine that is 5–15 ms, more than the rest of a delivery. Most of
what the pipeline writes can be lost in a database crash without harm, since
it only says where the work stands and every step is safe to repeat: a lost
claim or outcome means the delivery is sent again (at least once, and every
push is idempotent), a lost fan-out means the event is fanned out again. So
the pipeline's tasks commit without waiting (``relaxed``), except for what
must survive a crash because the remote may act on it: an address noted
before it is sent (``durable``, R3.3). A crash loses at most the last few
hundred milliseconds of relaxed commits; it never reorders them.
"""

import contextlib

from django.db import connection, transaction


@contextlib.contextmanager
def relaxed():
    """This task's commits do not wait for the disk (PostgreSQL; elsewhere a no-op)."""
    if connection.vendor != "postgresql" or not connection.get_autocommit():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        # A broken connection is replaced anyway.
        with contextlib.suppress(Exception), connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = on")


@contextlib.contextmanager
def durable():
    """A transaction whose commit waits for the disk, whatever the session says."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = on")
        yield
