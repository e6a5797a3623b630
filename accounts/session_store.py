"""The session engine (SESSION_ENGINE): Django's database sessions, stored
in ``LoginSession`` with the user's id beside the data (accounts/sessions.py
ends a person's sessions by it)."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        from .models import LoginSession

        return LoginSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):
            instance.user_id = None
        return instance
