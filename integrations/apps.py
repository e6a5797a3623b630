from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self):
        from . import reactions  # noqa: F401 - connects to the audit log
        from .services import register_outbox_kind

        register_outbox_kind()  # the outbox kind "integration_delivery"

        from celery.signals import worker_process_shutdown

        from .attempts import close_clients

        # Each worker process keeps one HTTP client per connection.
        worker_process_shutdown.connect(close_clients, dispatch_uid="integrations.close_clients")
