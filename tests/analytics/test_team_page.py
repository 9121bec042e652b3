"""A team's page: its trends, its people's rows with their drill-downs, no ranking."""

from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.models import Team
from tests.analytics.factories import make_person, make_team
from tests.analytics.test_report_views import _dataset
from tests.analytics.test_trends import issues  # noqa: F401 (the fixture)

WEEKS = {"start": "2025-06-02", "end": "2025-06-22"}


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
    # Time in each stage has its place, empty until the Flow report's numbers fill it.
    assert response.context["stages"] is None
    assert 'id="team-stages-heading"' not in html


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
