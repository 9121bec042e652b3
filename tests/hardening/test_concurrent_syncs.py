"""Three sites syncing at once in one worker, with people browsing meanwhile: nothing is lost.

The hourly schedule queues every connection at the same moment, so a default install
(SQLite, the ORM broker) with several sites runs their syncs side by side while the
broker, the scoring tasks and the web pages use the same database file.
"""

import subprocess
import sys
import time

import pytest
from django.db.models import Count
from django.urls import reverse
from django_q.models import Task

from integrations.models import Issue, Person, SyncRun
from jira_simulator import JiraSimulator
from tests.hardening.helpers import ROOT, app_env, start_qcluster
from tests.simulated import demo_connection, serving

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SITES = ["acme", "globex", "initech"]


@pytest.fixture
def simulator(settings):
    # A little latency, so the three runs overlap for their whole length.
    with serving(JiraSimulator(seed=17, issues=400, latency_ms=2), settings) as running:
        yield running


@pytest.fixture
def worker(simulator):
    """One qcluster with three workers on the test database (ORM broker unless REDIS_URL)."""
    env = app_env(Q_WORKERS=3, JIRA_SITE_URL_TEMPLATE=simulator.site_url_template)
    env.pop("REDIS_URL", None)
    process = start_qcluster(env)
    yield env
    process.terminate()
    try:
        _, errors = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, errors = process.communicate()
    assert "database is locked" not in errors, errors[-3000:]
    assert "Traceback" not in errors, errors[-3000:]


def _queue_every_sync(env):
    """What the hourly schedule does: one sync task per active connection, all at once."""
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from integrations.tasks import sync_all_connections_task; sync_all_connections_task()",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
    )


def _finished(connections) -> bool:
    return SyncRun.objects.filter(connection__in=connections).exclude(
        status=SyncRun.Status.RUNNING
    ).count() == len(connections)


def test_three_sites_sync_at_once_while_pages_are_read(acme, alice, alice_client, worker):
    connections = [demo_connection(acme, site) for site in SITES]
    pages = [reverse("dashboard"), reverse("reports"), reverse("integrations")]
    for connection in connections:
        pages.append(reverse("jira_manage", args=[connection.pk]))
        pages.append(reverse("jira_sync_progress", args=[connection.pk]))

    _queue_every_sync(worker)
    statuses = []
    deadline = time.monotonic() + 300
    while not _finished(connections) and time.monotonic() < deadline:
        for url in pages:
            statuses.append((url, alice_client.get(url).status_code))

    runs = {run.connection.subdomain: run for run in SyncRun.objects.select_related("connection")}
    assert sorted(runs) == SITES, "every site synced once"
    for site, run in runs.items():
        assert run.status == SyncRun.Status.SUCCEEDED, (site, run.status, run.error)
        assert Issue.objects.filter(connection=run.connection).count() == run.issues_seen > 0
    # The sites share people (one person per email in the workspace), whom each run adds.
    shared = Person.objects.filter(workspace=acme).annotate(
        sites=Count("jira_users__connection", distinct=True)
    )
    assert shared.filter(sites=len(SITES)).exists()
    # The three runs really overlapped.
    ordered = sorted(runs.values(), key=lambda run: run.started_at)
    assert ordered[-1].started_at < ordered[0].finished_at
    assert len(statuses) >= len(pages), "pages were read while the syncs ran"
    assert {status for _, status in statuses} == {200}, [s for s in statuses if s[1] != 200]

    # The scoring each sync queued ran too, in the same worker.
    deadline = time.monotonic() + 120
    while Task.objects.filter(name="score-issues").count() < len(SITES):
        assert time.monotonic() < deadline, "the scoring tasks never finished"
        time.sleep(0.5)
    assert all(Task.objects.filter(name="score-issues").values_list("success", flat=True))
