"""One site pausing the app for days (Retry-After: 999999) stalls nobody else's work.

A real cluster of two workers with Redis (the broker, and the rate budget every process
shares): two connections to the paused site, each synced twice, are queued ahead of
another site's sync, which still finishes as if they weren't there; the paused syncs end
at once with their next try scheduled, and the cluster stops cleanly on SIGTERM.
"""

import signal
import socket
import subprocess
import sys
import time

import pytest
from django_q.models import Schedule

from integrations.models import Issue, SyncRun
from jira_simulator import DEMO_EMAIL, JiraSimulator
from tests.hardening.helpers import ROOT, app_env, start_qcluster
from tests.simulated import demo_connection, serving

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

REDIS_URL = "redis://127.0.0.1:6379/8"


def _redis_available() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def simulator(settings):
    if not _redis_available():
        pytest.skip("Redis is not listening on 127.0.0.1:6379 (CI starts it).")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    sim = JiraSimulator(seed=31, issues=150, latency_ms=2)
    sim.throttled_sites["paused"] = 999999
    with serving(sim, settings) as running:
        yield running


@pytest.fixture
def cluster(simulator):
    env = app_env(
        Q_WORKERS=2, REDIS_URL=REDIS_URL, JIRA_SITE_URL_TEMPLATE=simulator.site_url_template
    )
    process = start_qcluster(env)
    yield env, process
    if process.poll() is None:
        process.kill()
        process.communicate()


def _queue(env, connection_ids: list[int]) -> None:
    code = (
        "from django_q.tasks import async_task\n"
        f"for pk in {connection_ids!r}:\n"
        "    async_task('integrations.tasks.sync_connection_task', pk, 'manual')\n"
    )
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
    )


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def test_a_paused_site_stalls_no_other_sites_sync(simulator, cluster, acme, globex):
    env, process = cluster
    paused = [demo_connection(acme, "paused"), demo_connection(globex, "paused")]
    other = demo_connection(acme, "other")
    # The paused site's syncs first, twice each: every worker slot meets the pause first.
    _queue(env, [c.pk for c in paused] * 2 + [other.pk])

    def other_finished():
        return SyncRun.objects.filter(connection=other).exclude(status="running").exists()

    assert _wait_for(other_finished, 120), "the other site's sync never finished"
    run = SyncRun.objects.get(connection=other)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    truth = simulator.simulator.site("other").truth(DEMO_EMAIL)
    assert Issue.objects.filter(connection=other).count() == len(truth)

    def paused_done():
        runs = SyncRun.objects.filter(connection__in=paused).exclude(status="running")
        return runs.count() == 4

    assert _wait_for(paused_done, 60)
    for paused_run in SyncRun.objects.filter(connection__in=paused):
        assert paused_run.status == SyncRun.Status.FAILED
        assert paused_run.next_try_at is not None
        assert "pause requests to paused.atlassian.net" in paused_run.error
    names = set(Schedule.objects.values_list("name", flat=True))
    assert {f"jira-sync-retry-{c.pk}" for c in paused} <= names
    # Each of the four asked Jira at most once: nobody kept knocking.
    assert simulator.simulator.request_counts["/rest/api/3/myself"] <= 4 + 1

    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=60)
    assert process.returncode is not None
    assert "Traceback" not in errors, errors[-3000:]
