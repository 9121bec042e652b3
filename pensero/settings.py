"""Settings for the app.

Every environment variable the app reads is read here, through the one ``env``
below; ``.env.example`` lists them all. Anything else in the code base reads
``django.conf.settings``.
"""

import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DEBUG", default=False)

# Development defaults: only ever used with DEBUG on, and announced on stderr.
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"  # noqa: S105
_DEV_FIELD_ENCRYPTION_KEY = "ZGV2LW9ubHktZmllbGQtZW5jcnlwdGlvbi1rZXktMzI="  # noqa: S105


def _required_secret(name: str, dev_default: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(
            f"{name} is not set. It is required when DEBUG is off; "
            f"see .env.example for how to generate one."
        )
    print(
        f"WARNING: {name} is not set; using an insecure development default (DEBUG is on).",
        file=sys.stderr,
    )
    return dev_default


SECRET_KEY = _required_secret("SECRET_KEY", _DEV_SECRET_KEY)
# Comma-separated Fernet keys, newest first: the first encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = [
    key.strip()
    for key in _required_secret("FIELD_ENCRYPTION_KEYS", _DEV_FIELD_ENCRYPTION_KEY).split(",")
    if key.strip()
]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "pensero",
    "integrations",
    "analytics",
    # After the apps: integrations' `qcluster` command stands in for django-q's.
    "django_q",
]

MIDDLEWARE = [
    "pensero.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "pensero.middleware.SecurityHeadersMiddleware",
    # Serves collected static files in production; runserver serves them in debug.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "pensero.urls"
WSGI_APPLICATION = "pensero.wsgi.application"

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
                "pensero.context_processors.workspace",
                "pensero.context_processors.navigation",
            ],
        },
    },
]

# `make run` with the demo (DEMO=1, its default). The demo keeps its own SQLite file: the
# connections made there are the simulator's, and a server started without the demo
# (DEMO=0) must not find them and send their credentials to the real sites of the same name.
DEMO = env.bool("DEMO", default=False)
SQLITE_FILE = BASE_DIR / ("db-demo.sqlite3" if DEMO else "db.sqlite3")
# Unset DATABASE_URL means the embedded SQLite database in the project folder.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{SQLITE_FILE}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
# The embedded database is shared by the web server, the worker's processes (several
# syncs at once, scoring, the task broker) and their read-ahead threads:
# - WAL lets readers and the one writer proceed side by side;
# - IMMEDIATE transactions take the write lock when they begin, so two transactions that
#   read and then write never deadlock on the lock upgrade ("database is locked" at once,
#   without waiting); writers queue on the lock instead, one at a time;
# - the busy timeout is how long a writer waits for its turn before giving up.
# PostgreSQL needs none of this.
SQLITE_BUSY_TIMEOUT_SECONDS = env.int("SQLITE_BUSY_TIMEOUT_SECONDS", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
        }
    )
# PostgreSQL plans a parallel query once its estimated cost passes 1,000 (its default), and
# each worker it starts costs milliseconds of its own: on the report pages' queries, which
# read a few thousand rows each, more than the workers save (on 100,000 issues, the
# Delivery page's median went from 165 to 139 ms with 10,000). Queries that do gain from
# workers, such as the Flow report's reading of every period's time in status, still get
# them. Sent as a connection option, so no query per connection; 0 sends nothing and
# keeps the server's own setting (for a pooler that refuses startup options).
POSTGRES_PARALLEL_SETUP_COST = env.int("POSTGRES_PARALLEL_SETUP_COST", default=10_000)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and (
    POSTGRES_PARALLEL_SETUP_COST > 0
):
    database_options = DATABASES["default"].setdefault("OPTIONS", {})
    database_options["options"] = " ".join(
        part
        for part in (
            database_options.get("options", ""),
            f"-c parallel_setup_cost={POSTGRES_PARALLEL_SETUP_COST}",
        )
        if part
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Shared between web processes: login rate limits must count across servers.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "pensero.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

# django-allauth: email + password, no usernames. Its login rate limits stay on
# (ACCOUNT_RATE_LIMITS keeps allauth's defaults).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="none")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="pensero@localhost")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security headers and cookies. HTTPS defaults to on whenever DEBUG is off.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Scripts and styles come only from the app's own static files; no inline code.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Background tasks (django-q2): the ORM broker by default, Redis when REDIS_URL
# is set. `timeout` must stay well below `retry`, or a slow task is handed to a
# second worker while the first is still running it.
Q_CLUSTER = {
    "name": "pensero",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 30 * 60,
    "retry": 40 * 60,
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 1000,
    "ack_failures": True,
    "label": "Background tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# Jira. The site URL is only ever built from this template and a validated
# subdomain label; tests and demos point it at the built-in simulator.
JIRA_SITE_URL_TEMPLATE = env.str(
    "JIRA_SITE_URL_TEMPLATE", default="https://{subdomain}.atlassian.net"
)
JIRA_SYNC_INTERVAL_MINUTES = env.int("JIRA_SYNC_INTERVAL_MINUTES", default=60)
# Every request to Jira is bounded (docs/deploy.md, "Limits on Jira responses"): a
# connect timeout, the longest wait for any single read, a deadline for the whole
# response, how many times a timed-out request is tried again, and the largest body read.
JIRA_CONNECT_TIMEOUT_SECONDS = env.float("JIRA_CONNECT_TIMEOUT_SECONDS", default=10.0)
JIRA_REQUEST_TIMEOUT_SECONDS = env.float("JIRA_REQUEST_TIMEOUT_SECONDS", default=20.0)
JIRA_RESPONSE_DEADLINE_SECONDS = env.float("JIRA_RESPONSE_DEADLINE_SECONDS", default=60.0)
JIRA_TIMEOUT_RETRIES = env.int("JIRA_TIMEOUT_RETRIES", default=2)
JIRA_MAX_RESPONSE_MB = env.float("JIRA_MAX_RESPONSE_MB", default=50.0)
# How fast a site is synced (docs/deploy.md, "Speed and Jira's rate limits"): requests in
# flight per site at the start of a sync (it grows while Jira answers fast and clean, up
# to eight times this per endpoint family, and halves on 429/503 of that family), a
# budget in requests per second for each endpoint family of a site (as Jira limits them:
# per endpoint) and a ceiling on requests per second to a whole site, both for an admin
# who wants them (0: none; Jira's own answers pace the sync: Retry-After, the limit a 429
# states, near-limit headers); both shared by every worker through Redis when REDIS_URL
# is set.
JIRA_MAX_CONCURRENCY = env.int("JIRA_MAX_CONCURRENCY", default=8)
JIRA_ENDPOINT_REQUESTS_PER_SECOND = env.float("JIRA_ENDPOINT_REQUESTS_PER_SECOND", default=0.0)
JIRA_MAX_REQUESTS_PER_SECOND = env.float("JIRA_MAX_REQUESTS_PER_SECOND", default=0.0)
# The OAuth app's hourly points quota at Atlassian; syncs slow down past 80% of it.
JIRA_OAUTH_POINTS_PER_HOUR = env.int("JIRA_OAUTH_POINTS_PER_HOUR", default=65_000)

# "Connect with Atlassian" (OAuth 2.0 3LO). The option stays disabled until both the
# client id and secret of an Atlassian OAuth app are set. The URLs are Atlassian's;
# tests and demos point them at the built-in simulator.
ATLASSIAN_CLIENT_ID = env.str("ATLASSIAN_CLIENT_ID", default="")
ATLASSIAN_CLIENT_SECRET = env.str("ATLASSIAN_CLIENT_SECRET", default="")
ATLASSIAN_AUTH_URL = env.str("ATLASSIAN_AUTH_URL", default="https://auth.atlassian.com/authorize")
ATLASSIAN_TOKEN_URL = env.str(
    "ATLASSIAN_TOKEN_URL", default="https://auth.atlassian.com/oauth/token"
)
ATLASSIAN_API_URL = env.str("ATLASSIAN_API_URL", default="https://api.atlassian.com")

# Error reports (the DEBUG page included) never show what views mark sensitive.
DEFAULT_EXCEPTION_REPORTER_FILTER = "pensero.error_reports.SecretsHiddenFilter"

# Real-time updates (Jira webhooks). Jira must reach the app at PUBLIC_BASE_URL (e.g.
# https://pensero.example.com): webhook URLs are built from it, and without it webhooks
# stay off (the scheduled sync still runs).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="").rstrip("/")
# Deliveries accepted per connection per minute; more get 429 and Jira retries them later.
JIRA_WEBHOOK_MAX_PER_MINUTE = env.int("JIRA_WEBHOOK_MAX_PER_MINUTE", default=1200)
# Largest delivery body accepted (Jira's issue payloads are well under this).
JIRA_WEBHOOK_MAX_BODY_BYTES = env.int("JIRA_WEBHOOK_MAX_BODY_BYTES", default=1_048_576)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {
        "forbidden_is_info": {"()": "pensero.log_filters.ForbiddenIsInfo"},
        "hide_webhook_tokens": {"()": "pensero.log_filters.HideWebhookTokens"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["hide_webhook_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Request lines come from pensero.requests; Django's own duplicate them.
        "django.server": {"level": "WARNING"},
        # A member opening an admin page (403) is routine: INFO, no traceback.
        "django.request": {"filters": ["forbidden_is_info"]},
    },
}
# Jira's default limit on project key length (admins can raise it in Jira).
JIRA_PROJECT_KEY_MAX_LENGTH = env.int("JIRA_PROJECT_KEY_MAX_LENGTH", default=10)
