from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self):
        from . import reactions  # noqa: F401 - connects to the audit log
        from .services import register_outbox_kind

        register_outbox_kind()  # the outbox kind "integration_delivery"
