import os

from celery import Celery, Task
from celery.signals import task_postrun, worker_process_init
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
# Celery's Django fixup closes every connection after every task, whatever
# CONN_MAX_AGE says, unless told to reuse them (``CELERY_DB_REUSE_MAX`` in
# the settings: then only every 2 × that many tasks): a third of a delivery
# worker's time went into connecting. ``_release_database_connections``
# below applies Django's own rule instead, as after a web request.


@worker_process_init.connect
def _keep_database_connections(**kwargs):
    from django.db import connections

    for alias in connections:
        settings = connections[alias].settings_dict
        if not settings.get("CONN_MAX_AGE"):
            settings["CONN_MAX_AGE"] = WORKER_CONN_MAX_AGE
            # A kept connection the server dropped is replaced, not failed on.
            settings["CONN_HEALTH_CHECKS"] = True


@task_postrun.connect
def _release_database_connections(task=None, **kwargs):
    """After a worker's task, what Django does after a request: close a
    connection that is broken, left mid-transaction or past CONN_MAX_AGE;
    keep the others. Not for an eager task: it runs inside someone's request
    (and perhaps their transaction)."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()
