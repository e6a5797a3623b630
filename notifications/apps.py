from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self):
        from . import reactions  # noqa: F401 - connects to the audit log
        from .tasks import register

        register()  # the outbox kind "notification_email"
