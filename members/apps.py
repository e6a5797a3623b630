from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"

    def ready(self):
        from . import reactions  # noqa: F401 - connects to the audit log
        from .tasks import register

        register()  # the outbox kind "invitation_email"
