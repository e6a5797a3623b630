"""Settings shared by every environment.

Everything that differs between a laptop and production is read from the
environment through one ``env``; the defaults are the embedded set-up that
``make run`` uses (SQLite, an embedded Celery broker, email to the console).
"""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-development-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "config.apps.SupportAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "guardian",
    "django_filters",
    "django_ratelimit",
    "django_htmx",
    "background",
    "accounts",
    "organizations",
    "audit",
    "outbox",
    "companies",
    "members",
    "notifications",
    "integrations",
    "portal",
    "adminportal",
]

MIDDLEWARE = [
    # First, so that every response and log line has the id (config/request_id.py).
    "config.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Reads a POST before the CSRF check does: too big a form gets its page
    # back with a message, not a bare 400 (config/request_size.py).
    "config.request_size.RequestSizeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "organizations.middleware.OrganizationMiddleware",
    # The reader's language and the organization's time zone (config/locale.py).
    "config.locale.LocaleMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.HtmxFullPageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organizations.context_processors.organization",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}


def database_limits(database: dict) -> dict:
    """Bound how long a process waits on PostgreSQL: a database that takes
    the connection and never answers must give a request an error page
    within seconds (not hold it for minutes; gunicorn's own timeout does not
    fire for threaded workers), and a statement stuck on a lock or an
    overloaded server must end. A kept connection (CONN_MAX_AGE) is checked
    before each request reuses it, so one the database dropped (a restart,
    a failover) is replaced instead of failing that request.

    DB_STATEMENT_TIMEOUT_MS=0 switches the statement limit off: for
    ``migrate`` on large tables, or a worker with long sweeps."""
    database["CONN_HEALTH_CHECKS"] = True
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # `make run`: web, worker and beat share the file. WAL lets them read
        # while one writes; IMMEDIATE takes the write lock when a transaction
        # starts (waiting up to `timeout` for it) instead of failing with
        # "database is locked" halfway through.
        options = database.setdefault("OPTIONS", {})
        options.setdefault("timeout", 20)
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        return database
    if database["ENGINE"] != "django.db.backends.postgresql":
        return database
    options = database.setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=3))
    # 30 s: the longest legitimate statement, a 10,000-row mass invite's
    # commit checking its deferred foreign keys, fits with room to spare.
    statement_ms = env.int("DB_STATEMENT_TIMEOUT_MS", default=30_000)
    settings = [f"-c statement_timeout={statement_ms}"] if statement_ms else []
    # No JIT compilation: PostgreSQL compiles a query it estimates as costly
    # (any over 100,000 members looks so), which took 20-40 ms a query for
    # pages whose work was 5 ms (the directory sorted by company). A web
    # page's queries are short; JIT pays off only for long reports.
    settings.append("-c jit=off")
    options["options"] = " ".join([options.get("options", ""), *settings]).strip()
    return database


def embedded_broker_folders(root: Path) -> dict:
    """kombu's filesystem transport: web, worker and beat write each message
    as a file into one folder and the worker takes them from there. The
    folders are made here, so that any process that sends first finds them."""
    queue, processed, control = root / "queue", root / "processed", root / "control"
    for folder in (queue, processed, control):
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(processed),
        "control_folder": str(control),
        "store_processed": False,
    }


DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
database_limits(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: email is the only identifier; nobody signs themselves up
# (people arrive by invitation or join request), and a typed code mailed to
# the address is the password-less way in.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "portal.login_adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
# Identity comes from an address the person has proven (issue 10): a login
# is used only once its address is verified (by a code mailed to it, the
# invitation link, or a login by emailed code), and a new address replaces
# the old one only once its code is typed. allauth's EmailAddress rows are
# the record of which address each login has proven (accounts/emails.py).
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_FORMS = {"add_email": "accounts.forms.AddEmailForm"}
# The old address hears of an address or password change (and of a second
# factor added or removed): a takeover does not go unnoticed.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# A second factor for support staff (required before /support/ opens,
# config/support_site.py); anyone else may add one under /accounts/2fa/.
MFA_ADAPTER = "accounts.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Flex Community"
# The largest input a form takes is mass invite's paste, MASS_INVITE_MAX_TEXT
# characters (10,000 rows of 100). The browser URL-encodes it, a 4-byte
# UTF-8 character as 12 bytes ("%F0%9F%98%80"), so the request limit admits
# 12 bytes a character and room for the rest of the form: any paste the
# form takes reaches the form. Bigger requests get their page back with a
# message (config/request_size.py), not a bare "400 Bad request". Uploaded
# files do not count here (they stream to disk; uploads/checks.py limits
# them); a proxy in front must let bodies of this size through.
MASS_INVITE_MAX_TEXT = 1_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * MASS_INVITE_MAX_TEXT + 256 * 1024

# Database sessions that carry their user's id (accounts/session_store.py),
# so a deactivated person's sessions are ended by one query (R4.6).
SESSION_ENGINE = "accounts.session_store"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")

# django-guardian: there is no anonymous user to hold object permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates as the product always wrote them ("1 Dec 2026, 14:30");
# German and Spanish use Django's own formats for those languages.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Links in emails are absolute: they are written by a worker, with no request.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Flex Community <no-reply@localhost>")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))


def anymail_settings(environment) -> dict:
    """Any provider's API through django-anymail: EMAIL_BACKEND names its
    backend (``anymail.backends.mailgun.EmailBackend``) and each ANYMAIL_*
    variable becomes one of its settings (ANYMAIL_MAILGUN_API_KEY →
    ANYMAIL["MAILGUN_API_KEY"]). README, "Configuration (production)"."""
    return {
        name.removeprefix("ANYMAIL_"): value
        for name, value in environment.items()
        if name.startswith("ANYMAIL_")
    }


ANYMAIL = anymail_settings(os.environ)

# Celery: Redis in production. Without REDIS_URL or CELERY_BROKER_URL the
# broker is embedded, so `make run` needs nothing but Python and still runs a
# real worker and beat (Procfile.dev): kombu's filesystem transport, one file
# per message under var/broker/. Tasks never run inline in the web process
# (tests switch that on for themselves, config/settings/test.py).
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True

# Rate limits (allauth's login limits, the join form) count in the cache, so
# with several web processes it must be shared: Redis whenever it is there.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "flex",
            # Login and join pages count attempts here: a hung Redis must
            # fail them fast, not hold the request for ever.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    # django-ratelimit only lists django-redis; Django's own backend
    # increments atomically (INCRBY) all the same.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Only `make run`'s web process counts (one process), so a per-process
    # cache counts right.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Workers keep their database connections between tasks (config/celery.py).
CELERY_DB_REUSE_MAX = 10_000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The workers' and beat's own connection: a Redis that is down or hung
# fails it within seconds instead of never. The read timeout stays above
# kombu's 1 s BRPOP poll, so an idle worker never trips it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
# What `make run` keeps besides the database: the embedded broker's messages
# and beat's schedule (Procfile.dev). Git ignores it.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS |= embedded_broker_folders(VAR_DIR / "broker")
# Tasks queued by the code (a request's on-commit callbacks, a delivery
# handing on to the next) go through outbox/broker.py: their own connection
# with this timeout and no retry, and after a failure the broker is left
# alone for BROKER_PUBLISH_PAUSE seconds. What was not queued waits in its
# row for the sweeps (R3.2), so a request never waits on a broker for more
# than a fraction of a second.
BROKER_PUBLISH_TIMEOUT = env.float("BROKER_PUBLISH_TIMEOUT", default=0.3)
BROKER_PUBLISH_PAUSE = env.float("BROKER_PUBLISH_PAUSE", default=10.0)
# How often beat sweeps every outbox kind (outbox/timing.py holds the rest
# of the outbox timings and checks them against the task limits at start-up).
OUTBOX_SWEEP_EVERY = env.float("OUTBOX_SWEEP_EVERY", default=30.0)
CELERY_BEAT_SCHEDULE: dict = {
    # Integration deliveries, invitation and notification emails that a lost
    # broker message or a killed worker left behind (R3.2, R4.1, R2.7).
    "outbox-sweep": {"task": "outbox.sweep", "schedule": OUTBOX_SWEEP_EVERY},
    # Invitation reminders 3 days on (R4.3); Former when a membership ended (R4.7).
    "invitation-reminders": {"task": "members.tasks.send_invitation_reminders", "schedule": 3600.0},
    "former-when-membership-ended": {
        "task": "members.tasks.set_former_when_membership_ended",
        "schedule": 86400.0,
    },
    # Beat and a worker are both running: the integrations pages say so when
    # not (background/selectors.py), instead of promising retries.
    "heartbeat": {"task": "background.heartbeat", "schedule": 60.0},
    # Delivered deliveries and events past INTEGRATIONS_RETENTION_DAYS
    # (integrations/retention.py); dead ones stay until handled.
    "integrations-prune": {"task": "integrations.prune", "schedule": 3600.0},
}
# Pages say no worker runs once the last heartbeat is this old.
BACKGROUND_SILENT_AFTER_MINUTES = env.int("BACKGROUND_SILENT_AFTER_MINUTES", default=5)

# Integrations (R3): credentials are encrypted with FIELD_ENCRYPTION_KEY
# (comma-separated Fernet keys, first one encrypts). Empty: derived from
# SECRET_KEY, fine for a laptop; production settings require it.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")
INTEGRATIONS_HTTP_TIMEOUT = env.float("INTEGRATIONS_HTTP_TIMEOUT", default=10.0)
INTEGRATIONS_MAX_ATTEMPTS = env.int("INTEGRATIONS_MAX_ATTEMPTS", default=10)
INTEGRATIONS_BACKOFF_BASE = env.float("INTEGRATIONS_BACKOFF_BASE", default=15.0)
INTEGRATIONS_BACKOFF_MAX = env.float("INTEGRATIONS_BACKOFF_MAX", default=3600.0)
INTEGRATIONS_RETENTION_DAYS = env.int("INTEGRATIONS_RETENTION_DAYS", default=30)
INTEGRATIONS_PRUNE_BATCH = env.int("INTEGRATIONS_PRUNE_BATCH", default=5000)
INTEGRATIONS_PRUNE_MAX_BATCHES = env.int("INTEGRATIONS_PRUNE_MAX_BATCHES", default=20)
# A retry waits in a worker as an unacknowledged countdown task, which Redis
# hands out again after its visibility timeout: that must outlast the longest
# wait (backoff and Retry-After are capped at INTEGRATIONS_BACKOFF_MAX).
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = max(3600.0, INTEGRATIONS_BACKOFF_MAX + 600)
INTEGRATIONS_LEASE_SECONDS = env.float("INTEGRATIONS_LEASE_SECONDS", default=120.0)
INTEGRATIONS_SWEEP_GRACE = env.float("INTEGRATIONS_SWEEP_GRACE", default=60.0)
# Each connection sends at most its vendor's documented rate (HubSpot 100
# requests per 10 s, Capsule 4,000 an hour, Kisi 5 a second) unless it sets
# its own; false: only connections' own limits apply (the stubs in tests).
# Deliveries a worker takes per task (integrations/attempts.py).
INTEGRATIONS_DELIVERY_BATCH = env.int("INTEGRATIONS_DELIVERY_BATCH", default=100)
INTEGRATIONS_VENDOR_RATE_LIMITS = env.bool("INTEGRATIONS_VENDOR_RATE_LIMITS", default=True)
# Connections may only reach public addresses: an admin must not be able to
# point one at loopback, the private network or a cloud metadata address.
# Turn on for self-hosted systems on a private network (a PaperCut server).
INTEGRATIONS_ALLOW_PRIVATE_HOSTS = env.bool("INTEGRATIONS_ALLOW_PRIVATE_HOSTS", default=False)

# Error pages in the product's look with the request id (config/errors.py;
# handler400/403/404/500/429 in config/urls.py).
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line says which request wrote it: the id the error page shows.
    "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # "Task … succeeded" for every task: noise in eager mode, and workers
    # log their own task lines anyway.
    "loggers": {"celery.app.trace": {"level": env("CELERY_TRACE_LOG_LEVEL", default="WARNING")}},
}
