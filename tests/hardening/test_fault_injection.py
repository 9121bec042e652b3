"""20 seeded syncs against a simulator failing 10% of requests, with issues changing, moving and
being deleted between runs: afterwards the stored data equals the simulator's truth."""

import time

import pytest

from integrations.models import Comment, Issue, JiraConnection, SyncRun
from integrations.sync.run import sync_connection
from jira_simulator import DEMO_EMAIL, JiraSimulator
from tests.simulated import demo_connection, serving

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

RUNS = 20
FAULT_RATE = 0.10


class RecordingTime:
    """The client's `time` module, with waits recorded instead of slept (Retry-After is 1 s)."""

    def __init__(self):
        self.waits: list[float] = []

    def sleep(self, seconds):
        self.waits.append(seconds)

    def __getattr__(self, name):
        return getattr(time, name)


@pytest.fixture
def recorded(monkeypatch):
    fake = RecordingTime()
    monkeypatch.setattr("integrations.jira.session.time", fake)
    return fake


@pytest.fixture
def simulator(settings):
    sim = JiraSimulator(seed=2026, issues=250, fault_rate=0.0, slow_seconds=0.6)
    with serving(sim, settings):
        settings.JIRA_REQUEST_TIMEOUT_SECONDS = 0.3  # the "slow" fault becomes a timeout
        yield sim


def test_twenty_faulty_runs_converge_to_the_truth(simulator, recorded, acme):
    connection = demo_connection(acme)
    site = simulator.site("acme")
    simulator.faults.configure(rate=FAULT_RATE)
    statuses = []
    for run_number in range(RUNS):
        # The census is daily in production; here every run is a new "day".
        JiraConnection.objects.filter(pk=connection.pk).update(last_census_at=None)
        run = sync_connection(connection)
        statuses.append(run.status)
        assert run.status in (
            SyncRun.Status.SUCCEEDED,
            SyncRun.Status.FAILED,
            SyncRun.Status.PARTIAL,
        )
        site.mutate(run_number, 12)
    # The last word: one more run once Jira behaves, as the next hourly sync would.
    simulator.faults.configure(rate=0.0)
    JiraConnection.objects.filter(pk=connection.pk).update(last_census_at=None)
    final = sync_connection(connection)
    assert final.status == SyncRun.Status.SUCCEEDED, final.error

    faults = [f.kind for f in simulator.fault_log]
    assert len(faults) >= 20, "the simulator injected too few faults to prove anything"
    assert SyncRun.Status.SUCCEEDED in statuses  # most runs get through despite the faults

    truth = site.truth(DEMO_EMAIL)
    stored = {
        str(row["jira_id"]): row
        for row in Issue.objects.filter(connection=connection, removed_at__isnull=True).values(
            "jira_id", "key", "project_key", "summary", "status", "comment_count", "updated_at"
        )
    }
    lost = set(truth) - set(stored)
    extra = set(stored) - set(truth)
    stale = [
        i
        for i, t in truth.items()
        if i in stored
        and (
            stored[i]["key"] != t["key"]
            or stored[i]["summary"] != t["summary"]
            or stored[i]["status"] != t["status"]
            or stored[i]["comment_count"] != t["comment_count"]
            or int(stored[i]["updated_at"].timestamp() * 1000) != t["updated_ms"]
        )
    ]
    assert (len(lost), len(extra), len(stale)) == (0, 0, 0)
    assert (
        Issue.objects.filter(connection=connection).values("jira_id").distinct().count()
        == Issue.objects.filter(connection=connection).count()
    )
    for jira_id, t in truth.items():
        assert (
            Comment.objects.filter(
                issue__connection=connection, issue__jira_id=int(jira_id)
            ).count()
            == t["comment_count"]
        )

    # Every 429 (and 503, which carries Retry-After: 1) was followed by a wait of at least 1 s.
    throttled = faults.count("rate_limit") + faults.count("unavailable")
    assert throttled > 0
    assert sum(1 for w in recorded.waits if w >= 1.0) >= throttled
