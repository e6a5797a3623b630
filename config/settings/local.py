"""`make run`: the embedded default, with DEBUG on."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# Local stubs and test workers listen on 127.0.0.1.
INTEGRATIONS_ALLOW_PRIVATE_HOSTS = env.bool("INTEGRATIONS_ALLOW_PRIVATE_HOSTS", default=True)
