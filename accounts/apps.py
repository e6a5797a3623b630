from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy

from .crypto import fernet


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = gettext_lazy("Accounts (users)")

    def ready(self):
        checks.register(check_encryption_key, checks.Tags.security)


def check_encryption_key(app_configs=None, **kwargs):
    """A malformed FIELD_ENCRYPTION_KEY would only show when the first
    connection or second factor is saved; say so at start-up instead."""

    try:
        fernet()
    except ValueError as error:
        return [
            checks.Error(
                f"FIELD_ENCRYPTION_KEY is not a valid Fernet key list: {error}",
                id="integrations.E001",
            )
        ]
    return []
