"""A worker cluster told to stop (SIGTERM, as a deploy or `docker stop` sends) stops its
running sync within seconds instead of after it, and the sync resumes on the next cluster.

django-q's own stop waits for every task to end: a sync of a large, slow site held the
cluster for minutes, until the orchestrator's SIGKILL lost the task.
"""

import signal
import time

import pytest
from django_q.models import Schedule

from integrations.models import SyncRun
from jira_simulator import JiraSimulator
from tests.hardening.helpers import app_env, start_qcluster
from tests.simulated import demo_connection, serving

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def slow_site(settings):
    # Two seconds a request, one at a time (below): the sync takes over a minute.
    with serving(JiraSimulator(seed=41, issues=300, latency_ms=2000), settings) as running:
        yield running


def test_sigterm_stops_the_running_sync_and_it_resumes_later(slow_site, acme, monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)  # queued for the cluster, not run here
    connection = demo_connection(acme)
    env = app_env(
        Q_WORKERS=1, JIRA_MAX_CONCURRENCY=1, JIRA_SITE_URL_TEMPLATE=slow_site.site_url_template
    )
    env.pop("REDIS_URL", None)
    cluster = start_qcluster(env)
    try:
        from django_q.tasks import async_task

        async_task("integrations.tasks.sync_connection_task", connection.pk, "manual")
        deadline = time.monotonic() + 90
        while not slow_site.simulator.request_counts["/rest/api/3/search/jql"]:
            assert time.monotonic() < deadline, "the sync never got going"
            time.sleep(0.2)
        time.sleep(3)  # well into the sync, which needs over a minute

        cluster.send_signal(signal.SIGTERM)
        stopped_at = time.time()
        _, errors = cluster.communicate(timeout=30)  # not the minute and more the sync needs
    finally:
        if cluster.poll() is None:
            cluster.kill()
            cluster.communicate()
    assert "Traceback" not in errors, errors[-3000:]
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncRun.Status.FAILED
    assert "its worker was shut down" in run.error
    assert run.finished_at.timestamp() - stopped_at < 10
    assert run.issues_seen < 300
    retry = Schedule.objects.get(name=f"jira-sync-retry-{connection.pk}")
    assert retry.func == "integrations.tasks.sync_connection_task"
    assert retry.next_run <= run.finished_at
