"""Every sprint's burndown on the simulator's demo site, synced over real HTTP: its last day
is the sprint's numbers on the Sprints report, and every day adds up."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.reports.filters import EARLIEST, Period, ReportFilters
from analytics.reports.sprints.filters import SprintFilters
from analytics.reports.sprints.report import sprint_rows
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
