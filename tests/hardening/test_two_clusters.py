"""Scaling out: two qcluster processes on one PostgreSQL and one Redis.

The sync schedule fires once per interval however many clusters run, and each
connection is synced exactly once per interval.
"""

import socket
import time
from datetime import timedelta

import pytest
from django.db import connection as db
from django.utils import timezone
from django_q.models import Schedule

from integrations.models import SyncRun
from integrations.schedules import SYNC_ALL_SCHEDULE, ensure_schedules
from jira_simulator import JiraSimulator
from tests.hardening.helpers import ROOT, app_env
from tests.simulated import demo_connection, serving

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

REDIS = ("127.0.0.1", 6379)
REDIS_URL = "redis://127.0.0.1:6379/7"


def _redis_available() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def clusters(settings):
    if db.vendor != "postgresql":
        pytest.skip(
            "Scaling out is documented on PostgreSQL; run with DATABASE_URL=postgres://... (CI does)."
        )
    if not _redis_available():
        pytest.skip("Redis is not listening on 127.0.0.1:6379 (CI starts it).")
    import subprocess
    import sys

    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    with serving(JiraSimulator(seed=3, issues=60), settings) as running:
        env = app_env(
            REDIS_URL=REDIS_URL, Q_WORKERS=1, JIRA_SITE_URL_TEMPLATE=running.site_url_template
        )
        processes = [
            subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "qcluster"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        yield processes
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _due_now():
    Schedule.objects.filter(name=SYNC_ALL_SCHEDULE).update(
        next_run=timezone.now() - timedelta(seconds=1)
    )


def _wait_for_runs(count, connections, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = [
            SyncRun.objects.filter(connection=c).exclude(status=SyncRun.Status.RUNNING).count()
            for c in connections
        ]
        if all(n >= count for n in done):
            return done
        time.sleep(1)
    return done


def test_each_connection_syncs_once_per_interval_with_two_clusters(acme, globex, clusters):
    ensure_schedules()
    connections = [
        demo_connection(workspace, subdomain)
        for workspace, subdomain in [(acme, "acme"), (globex, "globex")]
    ]
    _due_now()
    assert _wait_for_runs(1, connections) == [1, 1]
    time.sleep(35)  # both clusters' schedulers have looked again: nothing new is due
    assert [SyncRun.objects.filter(connection=c).count() for c in connections] == [1, 1]

    _due_now()  # the next interval
    assert _wait_for_runs(2, connections) == [2, 2]
    time.sleep(5)
    assert [SyncRun.objects.filter(connection=c).count() for c in connections] == [2, 2]
    assert not SyncRun.objects.exclude(status=SyncRun.Status.SUCCEEDED).exists()
