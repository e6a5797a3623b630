"""Whether background work is running: the worker and beat together."""

from django.db import models


class Heartbeat(models.Model):
    """One row per kind of beat (today only "worker"), rewritten each time.

    Beat sends ``background.heartbeat`` every minute and a worker writes this
    row when it runs it, so a fresh ``seen_at`` means both are up: the two
    that retries, reminders, automatic Former and the sweeps need."""

    name = models.CharField(max_length=40, primary_key=True)
    seen_at = models.DateTimeField()
    # Which worker ran it (Celery's hostname), for whoever reads the table.
    seen_by = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"{self.name} seen {self.seen_at:%Y-%m-%d %H:%M:%S} by {self.seen_by}"
