"""Settings: required secrets in production, development defaults in debug, Q_CLUSTER sanity."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _load_settings(env_overrides, show="settings.DATABASES['default']['ENGINE']"):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DEBUG"}
    }
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "pensero.settings"
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; print({show})",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_secret_key_stops_startup_when_debug_is_off():
    result = _load_settings({"DEBUG": "0", "FIELD_ENCRYPTION_KEYS": "x"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_missing_field_encryption_keys_stops_startup_when_debug_is_off():
    result = _load_settings({"DEBUG": "0", "SECRET_KEY": "s" * 50})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS is not set" in result.stderr


def test_debug_uses_development_defaults_with_a_warning():
    result = _load_settings({"DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert "WARNING: SECRET_KEY is not set" in result.stderr
    assert "WARNING: FIELD_ENCRYPTION_KEYS is not set" in result.stderr


def test_database_url_picks_the_database():
    sqlite = _load_settings({"DEBUG": "1", "DATABASE_URL": ""})
    assert sqlite.stdout.strip() == "django.db.backends.sqlite3"
    postgres = _load_settings({"DEBUG": "1", "DATABASE_URL": "postgres://u@127.0.0.1:5432/x"})
    assert postgres.stdout.strip() == "django.db.backends.postgresql"


def test_the_demo_keeps_its_own_database_file():
    name = "settings.DATABASES['default']['NAME']"
    demo = _load_settings({"DEBUG": "1", "DATABASE_URL": "", "DEMO": "1"}, show=name)
    assert demo.stdout.strip() == str(ROOT / "db-demo.sqlite3"), demo.stderr
    real = _load_settings({"DEBUG": "1", "DATABASE_URL": "", "DEMO": "0"}, show=name)
    assert real.stdout.strip() == str(ROOT / "db.sqlite3"), real.stderr
    chosen = _load_settings(
        {"DEBUG": "1", "DATABASE_URL": "sqlite:////tmp/elsewhere.sqlite3", "DEMO": "1"}, show=name
    )
    assert chosen.stdout.strip() == "/tmp/elsewhere.sqlite3"


def test_the_demo_refuses_to_run_on_the_real_servers_database_file():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEMO"}}
    env.update({"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "pensero.settings"})
    result = subprocess.run(
        [sys.executable, "manage.py", "devserver", "--demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "The demo keeps its own database: run it with DEMO=1" in result.stderr


def test_q_cluster_timeout_is_well_below_retry_and_attempts_are_bounded():
    q = settings.Q_CLUSTER
    assert q["timeout"] * 1.2 <= q["retry"]
    assert 1 <= q["max_attempts"] <= 10


def test_tests_run_tasks_synchronously():
    assert settings.Q_CLUSTER["sync"] is True


def test_orm_broker_by_default_and_redis_when_configured():
    default = _load_settings({"DEBUG": "1", "REDIS_URL": ""})
    assert default.returncode == 0
    code = "import django; django.setup(); from django.conf import settings; print(settings.Q_CLUSTER.get('redis'), settings.Q_CLUSTER.get('orm'))"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "pensero.settings",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "redis://127.0.0.1:6379/0 None"
    env["REDIS_URL"] = ""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "None default"


def _database_options(database_url: str, **settings_env: str) -> str:
    code = "import django; django.setup(); from django.conf import settings; print(sorted(settings.DATABASES['default'].get('OPTIONS', {}).items()))"
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "pensero.settings"}
    env.pop("POSTGRES_PARALLEL_SETUP_COST", None)
    env.update(settings_env, DATABASE_URL=database_url)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_sqlite_queues_writers_instead_of_failing_and_postgres_is_left_alone():
    sqlite = _database_options("")
    assert "('transaction_mode', 'IMMEDIATE')" in sqlite
    assert "PRAGMA journal_mode=WAL" in sqlite
    assert "('timeout', 60)" in sqlite
    assert "parallel_setup_cost" not in sqlite
    postgres = _database_options("postgres://u@127.0.0.1:5432/x")
    assert postgres == "[('options', '-c parallel_setup_cost=10000')]"


def test_postgres_plans_parallel_workers_only_for_big_queries_unless_told_otherwise():
    # Options given in DATABASE_URL are kept, the parallel setup cost added after them.
    assert (
        _database_options("postgres://u@127.0.0.1:5432/x?options=-c%20work_mem%3D8MB")
        == "[('options', '-c work_mem=8MB -c parallel_setup_cost=10000')]"
    )
    assert (
        _database_options("postgres://u@127.0.0.1:5432/x", POSTGRES_PARALLEL_SETUP_COST="2500")
        == "[('options', '-c parallel_setup_cost=2500')]"
    )
    # 0: nothing sent at connect (a pooler may refuse startup options).
    assert (
        _database_options("postgres://u@127.0.0.1:5432/x", POSTGRES_PARALLEL_SETUP_COST="0") == "[]"
    )


def test_the_postgres_connection_has_the_parallel_setup_cost(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW parallel_setup_cost")
        assert cursor.fetchone()[0] == str(settings.POSTGRES_PARALLEL_SETUP_COST)


def test_the_embedded_test_database_runs_in_wal_mode(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
