from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts (users)"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .sessions import record_login_session

        user_logged_in.connect(record_login_session, dispatch_uid="accounts.record_login_session")
