from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"

    def ready(self):
        from . import checks  # noqa: F401 - registers the timing check
