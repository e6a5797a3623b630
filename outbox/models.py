from django.db import models


class OutboxItem(models.Model):
    """A row that says some work is owed (a delivery, an email), with what the
    outbox engine needs to hand it out at least once (outbox/engine.py).

    What "done" and "dead" mean stays each kind's own (a status, ``sent_at``,
    ``emailed_at``): the engine reads them through the kind's registration."""

    #: Attempts made so far; every claim counts one, whether it ends or not.
    attempts = models.PositiveIntegerField(default=0)
    #: Not to be tried before then (backoff after a failure); null: due now.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    #: Set while a worker holds the row; once past, the worker is taken for dead.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    #: When the last message handed to the broker for the row is due to run:
    #: the sweep leaves the row to that message for the kind's
    #: ``requeue_after``. Set on insert by the recording transaction.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    #: The last failure, shown where the kind shows its rows.
    last_error = models.TextField(blank=True)

    class Meta:
        abstract = True
