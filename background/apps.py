from celery.signals import beat_init
from django.apps import AppConfig


class BackgroundConfig(AppConfig):
    name = "background"

    def ready(self):
        beat_init.connect(_first_heartbeat, weak=False)


def _first_heartbeat(sender=None, **kwargs):
    """Beat sends its first heartbeat a minute after it starts; send one at
    once, so a page opened right after `make run` is not told nothing runs.
    (Imported here: models load only once the apps are ready.)"""
    from .tasks import heartbeat

    heartbeat.apply_async()
