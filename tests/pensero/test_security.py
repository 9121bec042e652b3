import pytest
from django.urls import reverse

from pensero.models import User

pytestmark = pytest.mark.django_db


def test_every_page_carries_the_security_headers(client, alice_client):
    for response in [client.get(reverse("account_login")), alice_client.get(reverse("dashboard"))]:
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_scripts(alice_client):
    page = alice_client.get(reverse("dashboard")).content.decode()
    assert "<script>" not in page and "onclick=" not in page


def test_healthz_answers_ok_and_leaks_nothing(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_admin_login_goes_through_the_rate_limited_app_login(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_sixth_failed_staff_login_in_five_minutes_is_refused(client):
    User.objects.create_superuser(email="staff@pensero.test", password="the right staff password")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "staff@pensero.test", "password": "wrong"})
    response = client.post(
        reverse("account_login"),
        {"login": "staff@pensero.test", "password": "the right staff password"},
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_non_staff_users_get_403_in_the_admin(alice_client):
    assert alice_client.get(reverse("admin:login")).status_code == 403


def test_hsts_over_https_when_configured(settings, client, db):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("account_login"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get(reverse("account_login"))  # not over HTTP


def test_production_settings_make_cookies_secure_and_http_only():
    import os
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pensero.settings",
        "DEBUG": "0",
        "HTTPS": "",
        "SECRET_KEY": "x" * 50,
        "FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHktZmllbGQtZW5jcnlwdGlvbi1rZXktMzI=",
    }
    env.pop("HTTPS")
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["True", "True", "True", "True", "True"], result.stderr


def test_error_reports_hide_passwords_inside_url_settings(settings):
    from django.views.debug import get_default_exception_reporter_filter

    settings.DATABASE_URL = "postgres://pensero:db-PASSWORD-1@db:5432/pensero"
    settings.REDIS_URL = "redis://:redis-PASSWORD-2@redis:6379/0"
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "redis": settings.REDIS_URL}
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
        }
    }
    shown = str(get_default_exception_reporter_filter().get_safe_settings())
    assert "db-PASSWORD-1" not in shown and "redis-PASSWORD-2" not in shown
    assert "pensero.User" in shown  # the other settings are still shown


def test_a_member_on_an_admin_page_is_logged_at_info_without_a_traceback(bob_client, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    assert bob_client.get(reverse("integrations")).status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.INFO
    assert record.exc_info is None and not record.exc_text
    assert "Forbidden" in record.getMessage() and "/settings/integrations/" in record.getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_other_client_errors_keep_their_level(charlie_client, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    assert charlie_client.get("/settings/integrations/jira/999999/manage/").status_code == 404
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.WARNING
