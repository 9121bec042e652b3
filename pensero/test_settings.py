"""Settings for the test suite: the real settings, with tasks run synchronously.

Only test-only values are set here (fixed keys, fast password hashing); the
database still comes from DATABASE_URL, so `make test` runs on PostgreSQL when
it points at one and on SQLite otherwise.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE=")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("HTTPS", "0")
# No budget or ceiling on requests per second to the simulator, also for the app processes tests
# start (they inherit the environment): tests of pacing set their own.
os.environ.setdefault("JIRA_MAX_REQUESTS_PER_SECOND", "0")
os.environ.setdefault("JIRA_ENDPOINT_REQUESTS_PER_SECOND", "0")

from pensero.settings import *  # noqa: E402, F403
from pensero.settings import BASE_DIR, DATABASES, Q_CLUSTER  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A file, not memory: tests that run the app in another process (a killed sync,
# two workers) need to reach the same test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One file per test run, so two runs side by side don't recreate each other's.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}

# Static files straight from the source folders, as runserver does.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
