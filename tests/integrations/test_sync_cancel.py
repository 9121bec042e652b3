"""Disconnecting a site stops its running sync within a second or so, over real HTTP."""

import threading
import time

import pytest
from django.db import connection as db
from django.urls import reverse

from integrations.jira.session import JiraSession
from integrations.models import Issue, JiraConnection, SyncRun
from integrations.sync.run import sync_connection
from jira_simulator import JiraSimulator
from tests.simulated import demo_connection, serving

pytestmark = pytest.mark.django_db(transaction=True)

ISSUES = 800
# Slow enough that the sync is mid-run for several seconds.
LATENCY_MS = 150
# From the disconnect to the run's end: the sync checks four times a second (and before
# each page it stores), then waits for the requests already on the wire. About a second
# in practice; the margin is for a loaded machine.
STOPS_WITHIN_SECONDS = 5.0


@pytest.fixture
def simulator(settings):
    sim = JiraSimulator(seed=3, issues=ISSUES, latency_ms=LATENCY_MS)
    with serving(sim, settings):
        yield sim


@pytest.fixture
def arrivals(simulator, monkeypatch):
    """When each request reached the simulator (counted as it arrives, before its latency)."""
    times: list[float] = []
    count = simulator.count

    def counting(route):
        times.append(time.monotonic())
        count(route)

    monkeypatch.setattr(simulator, "count", counting)
    return times


@pytest.fixture
def stops(monkeypatch):
    """When a client was stopped (the moment the sync saw the cancel), and how many requests
    it had sent by then."""
    times: list[float] = []
    stop = JiraSession.stop

    def recording(self):
        times.append((time.monotonic(), self.request_count))
        stop(self)

    monkeypatch.setattr(JiraSession, "stop", recording)
    return times


def _sync_in_background(connection):
    outcome = {}

    def run():
        try:
            outcome["run"] = sync_connection(JiraConnection.objects.get(pk=connection.pk))
        except BaseException as error:  # shown by the test
            outcome["error"] = error
        finally:
            db.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _mid_run(connection, thread):
    """Wait until the sync has stored a page or two and is reading the next ones."""
    assert _wait_for(
        lambda: (
            not thread.is_alive()
            or SyncRun.objects.filter(connection=connection, issues_seen__gte=100).exists()
        ),
        60,
    ), "the sync never stored a page"
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncRun.Status.RUNNING
    assert run.issues_seen < ISSUES, "the sync finished before it could be disconnected"
    return run


@pytest.mark.parametrize("delete_data", [False, True], ids=["keep-data", "delete-data"])
def test_disconnect_stops_a_running_sync_and_nothing_more_reaches_jira(
    simulator, arrivals, stops, alice_client, acme, delete_data
):
    connection = demo_connection(acme, project_keys="")
    thread, outcome = _sync_in_background(connection)
    _mid_run(connection, thread)

    disconnected_at = time.monotonic()
    response = alice_client.post(
        reverse("jira_disconnect", args=[connection.pk]),
        {"delete_data": "on"} if delete_data else {},
    )
    assert response.status_code == 302
    thread.join(timeout=30)
    ended_at = time.monotonic()
    assert not thread.is_alive(), "the sync went on after the disconnect"
    assert "error" not in outcome, outcome
    run = outcome["run"]
    assert run.status == SyncRun.Status.CANCELLED
    assert run.error == "Sync cancelled: the connection was disconnected."
    seconds = ended_at - disconnected_at
    stopped_at, sent_by_then = stops[0]
    print(
        f"disconnect → sync ended: {seconds:.2f} s; cancel seen after "
        f"{stopped_at - disconnected_at:.2f} s"
    )
    assert seconds < STOPS_WITHIN_SECONDS

    # Nothing was sent once the sync saw the cancel: every request the simulator got (they
    # may arrive a little later, the simulator shares this process) was sent before it.
    # A request can only have raced the stop by a hair: allow one.
    time.sleep(1.0)
    received = len(arrivals)
    assert received <= sent_by_then + 1, (received, sent_by_then)
    late = [round(at - stopped_at, 2) for at in arrivals if at > stopped_at]
    print(f"{received} requests, {sent_by_then} sent before the stop; arrived after it: {late}")
    time.sleep(1.0)
    assert len(arrivals) == received

    if delete_data:
        assert not JiraConnection.objects.filter(pk=connection.pk).exists()
        assert not Issue.objects.exists()
        return
    # The run as the disconnect recorded it: counts frozen mid-run. Every search page may
    # already be stored (pages are read several at a time) while the issues' other requests
    # were still on the wire, so the count can be the whole site's.
    recorded = SyncRun.objects.get(connection=connection)
    assert recorded.status == SyncRun.Status.CANCELLED
    assert 0 < recorded.issues_seen <= ISSUES
    assert recorded.issues_seen == run.issues_seen
    assert recorded.finished_at is not None
    connection.refresh_from_db()
    assert connection.sync_watermark is None  # the next sync is a full one again

    page = alice_client.get(reverse("jira_manage", args=[connection.pk])).content.decode()
    assert "Sync cancelled: the connection was disconnected." in page
    assert "Syncing…" not in page
    progress = alice_client.get(reverse("jira_sync_progress", args=[connection.pk])).json()
    assert "Sync cancelled: the connection was disconnected." in progress["panel"]
    assert "Syncing" not in progress["panel"] + progress["badge"]
    assert progress["active"] is False


def test_a_sync_that_starts_after_the_disconnect_sends_nothing(simulator, arrivals, acme):
    # The task read the connection as active; the disconnect committed before it claimed.
    connection = demo_connection(acme, project_keys="")
    JiraConnection.objects.filter(pk=connection.pk).update(
        status=JiraConnection.Status.DISCONNECTED
    )
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.CANCELLED
    assert arrivals == []
