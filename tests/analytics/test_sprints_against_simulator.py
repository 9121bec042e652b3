"""The Sprints report on a site synced over real HTTP from the simulator, against the
simulator's own sprint report (``jira_simulator.sprint_report``: Jira's rules applied to
what it knows happened, never to what the app made of the API)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from analytics.reports.filters import EARLIEST, Period, ReportFilters
from analytics.reports.sprints.filters import SprintFilters
from analytics.reports.sprints.replay import placed_at_close, re_estimates, sprint_events
from analytics.reports.sprints.report import sprint_rows
from analytics.reports.sprints.selectors import counted_issues, window_of
from integrations.models import Issue
from integrations.sync.run import sync_connection
from jira_simulator import JiraSimulator
from tests.simulated import demo_connection, serving

pytestmark = pytest.mark.django_db(transaction=True)

NUMBERS = (
    "committed", "added", "removed", "completed", "not_delivered", "carried_over",
    "still_open", "completed_outside", "committed_points", "completed_points",
)  # fmt: skip


@pytest.fixture
def synced(settings, acme):
    simulator = JiraSimulator(seed=3, issues=1500)
    with serving(simulator, settings):
        connection = demo_connection(acme)
        run = sync_connection(connection)
        assert run.status == "succeeded", run.error or run.warnings
    return simulator.site("acme"), connection


def _every_sprint(workspace):
    ever = Period(EARLIEST, timezone.localdate() + timedelta(days=1))
    return SprintFilters(report=ReportFilters(workspace=workspace, period=ever))


def _when(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def test_every_sprints_numbers_are_jiras_sprint_report(synced):
    site, connection = synced
    truth = site.sprint_report()
    filters = _every_sprint(connection.workspace)
    rows = {row.sprint.jira_id: row for row in sprint_rows(filters)}
    expected = {
        sprint_id: {name: numbers[name] for name in NUMBERS}
        for sprint_id, numbers in truth.items()
        if any(numbers[name] for name in NUMBERS)
    }
    stored = {
        sprint_id: {name: getattr(row.numbers, name) for name in NUMBERS}
        for sprint_id, row in rows.items()
    }
    assert stored == expected
    # The site shows what the report must get right: done work dragged into a later
    # sprint, re-estimates during sprints, work added, removed and carried over.
    totals = {name: sum(n[name] for n in expected.values()) for name in NUMBERS}
    assert all(totals[name] > 0 for name in NUMBERS), totals
    assert sum(len(numbers["re_estimates"]) for numbers in truth.values()) > 0


def test_every_re_estimate_during_a_sprint_is_on_its_page(synced):
    site, connection = synced
    filters = _every_sprint(connection.workspace)
    keys = dict(Issue.objects.values_list("pk", "key"))
    now = timezone.now()
    shown = {}
    for row in sprint_rows(filters):
        window = window_of(row.sprint, now=now)
        events = sprint_events(counted_issues(filters), row.sprint.pk)
        placed = placed_at_close(events, window)
        shown[row.sprint.jira_id] = sorted(
            (keys[c.issue_id], c.at, c.from_points, c.to_points)
            for c in re_estimates(events, window, placed)
        )
    expected = {
        sprint_id: sorted((key, _when(at), before, after) for key, at, before, after in changes)
        for sprint_id, numbers in site.sprint_report().items()
        if (changes := numbers["re_estimates"])
    }
    differences = {
        sprint_id: {
            "shown, not in Jira": sorted(set(shown.get(sprint_id, [])) - set(changes)),
            "in Jira, not shown": sorted(set(changes) - set(shown.get(sprint_id, []))),
        }
        for sprint_id, changes in (expected | shown).items()
        if sorted(shown.get(sprint_id, [])) != expected.get(sprint_id, [])
    }
    assert differences == {}
    assert sum(len(changes) for changes in expected.values()) > 0
