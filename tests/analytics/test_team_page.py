"""A team's page: its trends, its people's rows with their drill-downs, no ranking."""

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.flow.models import StatusStage
from analytics.models import Team
from tests.analytics.factories import (
    make_connection,
    make_issue,
    make_person,
    make_team,
    make_transition,
    utc,
)
from tests.analytics.test_report_views import _dataset
from tests.analytics.test_trends import issues  # noqa: F401 (the fixture)

WEEKS = {"start": "2025-06-02", "end": "2025-06-22"}
JUNE = {"start": "2025-06-01", "end": "2025-06-30"}


def _alpha():
    return Team.objects.get(name="Alpha")


def test_the_team_page_has_its_trends(issues, bob_client):  # noqa: F811
    response = bob_client.get(reverse("report_team", args=[_alpha().pk]), WEEKS)
    assert response.status_code == 200
    # Alpha is Ann: her three issues delivered in the week of June 2, none after.
    throughput = response.context["trend_tables"]["throughput"]
    assert [row.values[1] for row in throughput.rows] == [3, 0, 0]
    cycle = response.context["trend_tables"]["cycle_trend"]
    assert cycle.rows[0].values[1:3] == [3, 2 * 86400]  # median of 1, 2 and 4 days
    assert cycle.rows[1].values[-1] == "No issues: no point drawn"
    html = response.content.decode()
    assert 'id="team-trends-heading"' in html
    assert html.count('class="chart-svg chart-line"') == 2
    assert "Cycle time per week" in html


def test_the_team_page_lists_its_people_by_name_with_their_drill_downs(
    issues,  # noqa: F811
    bob_client,
    acme,
):
    alpha = _alpha()
    zed = make_person(acme, "Aaron Idle")  # in the team, nothing delivered
    alpha.members.add(zed)
    response = bob_client.get(reverse("report_team", args=[alpha.pk]), WEEKS)
    table = response.context["member_table"]
    assert [row.values[:3] for row in table.rows] == [
        ["Aaron Idle", 0, 0],
        ["Ann Archer", 3, 0],
    ]
    ann = alpha.members.get(display_name="Ann Archer")
    assert table.rows[1].url == (
        f"{reverse('report_contributor', args=[ann.pk])}?start=2025-06-02&end=2025-06-22"
    )
    html = response.content.decode()
    assert 'id="table-contributors"' in html
    # Not a leaderboard: no column to sort the people by.
    section = html[html.index('id="team-people-heading"') :]
    assert '<a href="?' not in section
    # The people come with the filters' teams, in name order: no query of their own.
    assert [str(person) for person in response.context["members"]] == [
        "Aaron Idle",
        "Ann Archer",
    ]


def test_the_team_page_runs_a_fixed_number_of_queries(acme, alice_client):
    alice_client.get(reverse("reports"))  # the session settles on the workspace
    counts = []
    for size, name in ((10, "small"), (200, "large")):
        _dataset(acme, size, name)
        team = Team.objects.get(name=f"{name} A")
        with CaptureQueriesContext(db) as queries:
            response = alice_client.get(reverse("report_team", args=[team.pk]))
        assert response.status_code == 200
        assert response.context["numbers"].rows[0].values[2] > 0
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 15, "\n".join(q["sql"][:160] for q in queries)


def test_a_team_without_people_has_an_empty_page(acme, alice_client):
    from tests.analytics.factories import make_connection

    make_connection(acme)
    team = make_team(acme, "Nobody")
    response = alice_client.get(reverse("report_team", args=[team.pk]))
    assert response.status_code == 200
    assert "This team has no people yet." in response.content.decode()
    assert response.context["member_table"].rows == []


def _move(issue, when, from_status, to_status, from_category, to_category):
    make_transition(
        issue, when, from_category, to_category, from_status=from_status, to_status=to_status
    )


@pytest.fixture
def staged(acme):
    """Alpha (Ann) completed two issues in June with known hours per stage; Ben (not in
    the team) one; Ann has one open issue, whose time so far is not the team's completed
    time."""
    c = make_connection(acme)
    ann = make_person(acme, "Ann Archer", c)
    ben = make_person(acme, "Ben Baker", c)
    make_team(acme, "Alpha", [ann])
    # ENG-1: 24 h to do, 48 h in progress, 24 h in review.
    one = make_issue(c, key="ENG-1", assignee=ann, created=utc(2025, 6, 2), done=utc(2025, 6, 6))
    _move(one, utc(2025, 6, 3), "To Do", "In Progress", "new", "indeterminate")
    _move(one, utc(2025, 6, 5), "In Progress", "Code Review", "indeterminate", "indeterminate")
    _move(one, utc(2025, 6, 6), "Code Review", "Done", "indeterminate", "done")
    # ENG-2: 72 h to do, 24 h in progress; then blocked 12 h and back in progress 12 h.
    two = make_issue(c, key="ENG-2", assignee=ann, created=utc(2025, 6, 2), done=utc(2025, 6, 7))
    _move(two, utc(2025, 6, 5), "To Do", "In Progress", "new", "indeterminate")
    _move(two, utc(2025, 6, 6), "In Progress", "Blocked", "indeterminate", "indeterminate")
    _move(two, utc(2025, 6, 6, 12), "Blocked", "In Progress", "indeterminate", "indeterminate")
    _move(two, utc(2025, 6, 7), "In Progress", "Done", "indeterminate", "done")
    other = make_issue(c, key="ENG-3", assignee=ben, created=utc(2025, 6, 2), done=utc(2025, 6, 20))
    _move(other, utc(2025, 6, 20), "To Do", "Done", "new", "done")
    still = make_issue(
        c, key="ENG-4", assignee=ann, created=utc(2025, 6, 2), started=utc(2025, 6, 3)
    )
    _move(still, utc(2025, 6, 3), "To Do", "In Progress", "new", "indeterminate")
    return c


def _stage_rows(response):
    return {row.values[0]: row.values[1:4] for row in response.context["stages"].rows}


def test_the_team_page_shows_time_in_each_stage_of_its_completed_issues(staged, bob_client, acme):
    alpha = Team.objects.get(name="Alpha")
    response = bob_client.get(reverse("report_team", args=[alpha.pk]), JUNE)
    assert response.status_code == 200
    # Queue: 24 and 72 h; active: 48 and 36 h; review: ENG-1's 24 h; waiting: ENG-2's 12 h.
    # Ben's issue and Ann's open one are not counted.
    assert _stage_rows(response) == {
        "Queue": [2, 48.0, 64.8],
        "Active": [2, 42.0, 46.2],
        "Review": [1, 24.0, 24.0],
        "Waiting / blocked": [1, 12.0, 12.0],
    }
    numbers = response.context["stage_numbers"]
    assert numbers.issues == 2
    assert numbers.efficiency == pytest.approx(84 / 216)
    html = response.content.decode()
    assert 'id="team-stages-heading"' in html and 'id="table-team_stages"' in html
    assert "Flow efficiency: <strong>39%</strong>" in html
    # Each stage drills down to the Flow report filtered to the team.
    flow = f"{reverse('report_flow')}?start=2025-06-01&amp;end=2025-06-30&amp;team={alpha.pk}"
    assert f'<a href="{flow}#completed-heading">Queue</a>' in html
    drilled = bob_client.get(reverse("report_flow"), JUNE | {"team": alpha.pk})
    stages = {
        row.values[0]: row.values[1:3] for row in drilled.context["tables"]["stage_hours"].rows
    }
    assert stages["Queue"] == [2, 48.0]


def test_a_stage_change_shows_on_the_team_page_at_once(staged, bob_client):
    alpha = Team.objects.get(name="Alpha")
    StatusStage.objects.create(
        connection=staged, project_key="ENG", status="Code Review", stage="active"
    )
    response = bob_client.get(reverse("report_team", args=[alpha.pk]), JUNE)
    rows = _stage_rows(response)
    assert "Review" not in rows
    assert rows["Active"] == [2, 54.0, 66.6]  # ENG-1: 48 + 24 h; ENG-2: 36 h
