"""Production: every secret and address comes from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import database_limits, env

DEBUG = False
# WhiteNoise right after SecurityMiddleware, as its docs ask.
_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")  # noqa: F405
MIDDLEWARE = [
    *MIDDLEWARE[: _security + 1],  # noqa: F405
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[_security + 1 :],  # noqa: F405
]
SECRET_KEY = env("DJANGO_SECRET_KEY")
# Connection credentials are encrypted with it (R3.5); no derived default here.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")
if not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured(
        "Set FIELD_ENCRYPTION_KEY (python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())')"
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# The address people open: invitation and notification emails link to it.
SITE_URL = env("SITE_URL").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
database_limits(DATABASES["default"])
CELERY_TASK_ALWAYS_EAGER = False
# The broker for workers and beat, and the cache rate limits count in.
if not REDIS_URL:  # noqa: F405
    raise ImproperlyConfigured("Set REDIS_URL, e.g. redis://redis:6379/0")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if not env.str("EMAIL_URL", default=""):  # base.py took EMAIL_URL's backend, keep it
    EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
