"""The project's settings for bench/directory.py's gunicorn: the local
settings, with bench/urls.py's bare view beside the project's urls."""

from config.settings.local import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
