from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"

    def ready(self):
        from . import directory, login_organizations, reactions  # noqa: F401 - connect to the audit log
        from .tasks import register

        register()  # the outbox kind "invitation_email"
