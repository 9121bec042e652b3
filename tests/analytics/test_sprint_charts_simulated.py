"""Every sprint's burndown on the simulator's demo site, synced over real HTTP: its last day
is the sprint's numbers on the Sprints report, and every day adds up."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.reports.filters import EARLIEST, Period, ReportFilters
from analytics.reports.sprints.burndown import sprint_burndown
from analytics.reports.sprints.filters import SprintFilters
from analytics.reports.sprints.numbers import SprintNumbers
from analytics.reports.sprints.placement import numbers_per_sprint, placement_of, placements
from analytics.reports.sprints.replay import placed_at_close, sprint_events
from analytics.reports.sprints.report import sprint_rows
from analytics.reports.sprints.selectors import counted_issues, sprint_placements, window_of
from integrations.sync.run import sync_connection
from jira_simulator import JiraSimulator
from tests.simulated import demo_connection, serving

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(settings, acme):
    simulator = JiraSimulator(seed=3, issues=600)
    with serving(simulator, settings):
        connection = demo_connection(acme)
        run = sync_connection(connection)
        assert run.status == "succeeded", run.error or run.warnings
    return connection


def test_every_sprints_burndown_ends_at_its_numbers(synced, alice_client):
    ever = Period(EARLIEST, timezone.localdate() + timedelta(days=1))
    rows = sprint_rows(SprintFilters(report=ReportFilters(workspace=synced.workspace, period=ever)))
    assert len(rows) >= 3
    moved = 0
    for row in rows:
        response = alice_client.get(reverse("report_sprint", args=[row.sprint.pk]))
        assert response.status_code == 200
        days = response.context["burndown"]
        n = days[-1].numbers
        assert n == row.numbers, row.sprint.name
        remaining = n.carried_over if row.sprint.state == "closed" else n.still_open
        assert n.committed + n.added - n.removed - n.completed - n.not_delivered == remaining
        for day in days:
            d = day.numbers
            assert d.committed + d.added - d.removed - d.completed - d.not_delivered == (
                d.remaining
            )
        # The line moves: work is done (and added or removed) during the sprints.
        moved += len({day.numbers.remaining for day in days}) > 1
    assert moved >= len(rows) // 2


def test_the_replayed_burndown_is_the_sprint_rules_applied_on_every_day(synced):
    """Each day of each burndown (the issues' events replayed once) equals the sprint's
    numbers as the database places every issue as if the sprint had closed then, and each
    issue's place at the close is the one the Sprints report gives it."""
    now = timezone.now()
    ever = Period(EARLIEST, timezone.localdate() + timedelta(days=1))
    filters = SprintFilters(report=ReportFilters(workspace=synced.workspace, period=ever))
    compared = changed = 0
    for row in sprint_rows(filters, now=now):
        window = window_of(row.sprint, now=now)
        events = sprint_events(counted_issues(filters), row.sprint.pk)
        days = sprint_burndown(events, window)
        for day in days:
            placed = placements(counted_issues(filters), [row.sprint.pk], now=now, until=day.moment)
            expected = numbers_per_sprint(placed).get(row.sprint.pk, SprintNumbers())
            assert day.numbers == expected, (row.sprint.name, day.label)
            compared += 1
        changed += len({(d.numbers.remaining, d.numbers.remaining_points) for d in days}) > 1
        by_sql = {
            placed["issue_id"]: placement_of(placed)
            for placed in sprint_placements(filters, [row.sprint.pk], now=now)
        }
        assert placed_at_close(events, window) == by_sql, row.sprint.name
    assert compared > 50 and changed >= 3
