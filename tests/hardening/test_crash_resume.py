"""A sync killed with SIGKILL mid-run converges when restarted; concurrent CLI runs don't double up."""

import os
import signal
import time

import pytest
from django.urls import reverse

from integrations.models import Issue, SyncRun
from jira_simulator import DEMO_EMAIL, JiraSimulator
from tests.hardening.helpers import manage
from tests.simulated import demo_connection, serving

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def simulator(settings):
    # A little latency so the kill lands mid-run.
    with serving(JiraSimulator(seed=11, issues=800, latency_ms=3), settings) as running:
        yield running.simulator


@pytest.fixture
def connection(acme):
    return demo_connection(acme)


def _wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_killed_sync_is_failed_and_a_restart_converges(simulator, connection):
    process = manage("sync_jira", "--connection", str(connection.pk))
    assert _wait_for(lambda: Issue.objects.filter(connection=connection).count() >= 200), (
        process.communicate()
    )
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    stored_before = Issue.objects.filter(connection=connection).count()
    assert 0 < stored_before < 800
    assert SyncRun.objects.get(connection=connection).status == SyncRun.Status.RUNNING

    restart = manage("sync_jira", "--connection", str(connection.pk))
    output, _ = restart.communicate(timeout=300)
    assert restart.returncode == 0, output

    killed, finished = SyncRun.objects.filter(connection=connection).order_by("started_at")
    assert killed.status == SyncRun.Status.FAILED
    assert "stopped without finishing" in killed.error
    assert finished.status == SyncRun.Status.SUCCEEDED
    truth = simulator.site("acme").truth(DEMO_EMAIL)
    stored = dict(Issue.objects.filter(connection=connection).values_list("jira_id", "key"))
    assert {str(k) for k in stored} == set(truth)
    assert all(stored[int(i)] == t["key"] for i, t in truth.items())


def test_the_manage_page_shows_a_killed_sync_as_stopped_at_once(
    simulator, connection, alice_client
):
    process = manage("sync_jira", "--connection", str(connection.pk))
    assert _wait_for(lambda: Issue.objects.filter(connection=connection).exists()), (
        process.communicate()
    )
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    page = alice_client.get(reverse("jira_manage", args=[connection.pk])).content.decode()
    assert "Running" not in page and "Syncing" not in page
    assert "stopped without finishing" in page
    progress = alice_client.get(reverse("jira_sync_progress", args=[connection.pk])).json()
    assert progress["active"] is False


def test_concurrent_command_line_syncs_make_one_run(simulator, connection):
    processes = [manage("sync_jira", "--connection", str(connection.pk)) for _ in range(3)]
    outputs = [p.communicate(timeout=300)[0] for p in processes]
    assert SyncRun.objects.filter(connection=connection).count() == 1
    assert sum("already running" in out for out in outputs) == 2
    assert Issue.objects.filter(connection=connection).count() == len(
        simulator.site("acme").truth(DEMO_EMAIL)
    )
