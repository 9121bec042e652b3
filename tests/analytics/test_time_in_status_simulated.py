"""Time in status agrees with the simulator's changelog for every completed issue.

The sites are synced over HTTP as in production. The expected hours are computed here
from the simulator's own records (each issue's creation, its status history items and
the moment it recorded as the completion), not from anything the sync stored: reopened
issues, the workflow migration that moved done issues between done statuses months
later (no time added after completion), and on "legacy" sites statuses since deleted
from Jira (counted under their changelog names).
"""

import io
import json
from collections import defaultdict

import pytest
from django.core.management import call_command

from analytics.flow.time_in_status import hours_by_issue
from integrations.models import Issue, SyncRun
from integrations.sync.run import sync_connection
from jira_simulator import DEMO_EMAIL, JiraSimulator
from tests.simulated import demo_connection, serving

pytestmark = pytest.mark.django_db(transaction=True)
HOUR_MS = 3_600_000


@pytest.fixture
def simulator(settings):
    with serving(JiraSimulator(seed=1, issues=600), settings) as running:
        yield running.simulator


def _expected(site, idx: int) -> dict[str, float]:
    """Hours per status name from creation to completion, from the simulator's records."""
    core = site.core(idx)
    created, end = site.skeleton.created[idx], core.completed_ms
    moves = sorted(
        (history.created_ms, history.id, item)
        for history in core.histories
        for item in history.items
        if item.get("fieldId") == "status"
    )
    if moves:
        points = [(created, moves[0][2]["fromString"])]
        points += [(at, item["toString"]) for at, _id, item in moves]
    else:
        points = [(created, core.status.name)]
    hours: dict[str, float] = defaultdict(float)
    for (start, status), following in zip(points, [*points[1:], None], strict=True):
        stop = following[0] if following else end
        start, stop = max(start, created), min(stop, end)
        if stop > start:
            hours[status] += (stop - start) / HOUR_MS
    return dict(hours)


def _agrees(simulator, workspace, subdomain):
    connection = demo_connection(workspace, subdomain)
    run = sync_connection(connection)
    assert run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL), run.error
    site = simulator.site(subdomain)
    truth = site.truth(DEMO_EMAIL)
    completed = {
        idx: site.issue_id(idx)
        for idx in site.live_indexes()
        if site.issue_id(idx) in truth and site.core(idx).completed_ms is not None
    }
    assert completed
    issues = Issue.objects.filter(connection=connection, done_at__isnull=False)
    by_jira_id = dict(issues.values_list("id", "jira_id"))
    got = {str(by_jira_id[pk]): hours for pk, hours in hours_by_issue(issues).items()}
    # An issue with no time before completion (created straight in Done) has no rows.
    assert set(got) <= set(completed.values())
    mismatches = []
    for idx, jira_id in completed.items():
        want = _expected(site, idx)
        mine = got.get(jira_id, {})
        if set(mine) != set(want) or any(
            abs(mine[status] - want[status]) > 1e-4 for status in want
        ):
            mismatches.append((site.key_of(idx), mine, want))
    assert not mismatches, mismatches[:3]
    # Every completed issue's hours add up to its lead time.
    for pk, created_at, done_at, jira_id in issues.values_list(
        "pk", "created_at", "done_at", "jira_id"
    ):
        lead = max((done_at - created_at).total_seconds() / 3600, 0)
        assert sum(got.get(str(jira_id), {}).values()) == pytest.approx(lead, abs=1e-3), pk
    # export_issues writes the same hours for completed issues, none for open ones.
    out = io.StringIO()
    call_command(
        "export_issues", "--connection", str(connection.pk), "--format", "jsonl", stdout=out
    )
    exported = {str(row["jira_id"]): row for row in map(json.loads, out.getvalue().splitlines())}
    for jira_id, row in exported.items():
        want = {s: round(h, 2) for s, h in got.get(jira_id, {}).items()}
        assert row["time_in_status"] == want, row["key"]
        if not row["completed"]:
            assert row["time_in_status"] == {}
    return site, completed


def test_time_in_status_agrees_with_the_changelog_of_every_completed_issue(simulator, acme):
    site, completed = _agrees(simulator, acme, "acme")
    histories = {idx: site.core(idx).histories for idx in completed}

    def status_moves(idx):
        return [i for h in histories[idx] for i in h.items if i.get("fieldId") == "status"]

    # The data has the shapes that matter: reopened issues, and done-to-done moves
    # after completion (the workflow migration).
    assert any(
        any(m["from"] in ("5", "6", "10003") and m["to"] not in ("5", "6", "10003")
            for m in status_moves(idx))
        for idx in completed
    )  # fmt: skip
    assert any(
        max(h.created_ms for h in histories[idx]) > site.core(idx).completed_ms
        and status_moves(idx)[-1]["from"] in ("5", "6")
        for idx in completed
        if status_moves(idx)
    )


def test_deleted_statuses_keep_their_changelog_names(simulator, acme):
    site, completed = _agrees(simulator, acme, "legacy-corp")
    visited = {
        item["fromString"]
        for idx in completed
        for history in site.core(idx).histories
        for item in history.items
        if item.get("fieldId") == "status"
    }
    assert "Ready for Dev" in visited
