import os

from celery import Celery, Task
from django_scopes import scopes_disabled

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


class AcrossOrganizationsTask(Task):
    """Tasks run outside any request: they load their rows by id or sweep
    every organization's, so tenant scoping (tenancy/scoping.py) is
    off inside them. An eager task run inside a request gets the same, not
    the request's scope, which would hide other organizations' rows from a
    sweep without a word."""

    def __call__(self, *args, **kwargs):
        with scopes_disabled():
            return super().__call__(*args, **kwargs)


app = Celery("flexcommunity", task_cls=AcrossOrganizationsTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
