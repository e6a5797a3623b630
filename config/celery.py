import os

from celery import Celery, Task
from celery.signals import worker_process_init
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


#: Seconds a worker process keeps its database connection when the
#: settings say 0 (the web's default under runserver): a new PostgreSQL
#: connection per task cost a delivery more than its own queries did.
WORKER_CONN_MAX_AGE = 300


@worker_process_init.connect
def _keep_database_connections(**kwargs):
    from django.db import connections

    for alias in connections:
        settings = connections[alias].settings_dict
        if not settings.get("CONN_MAX_AGE"):
            settings["CONN_MAX_AGE"] = WORKER_CONN_MAX_AGE
            # A kept connection the server dropped is replaced, not failed on.
            settings["CONN_HEALTH_CHECKS"] = True
