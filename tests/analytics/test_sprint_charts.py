"""A sprint's burndown and the velocity chart, on the dataset of test_sprint_report (worked
out by hand there): ENG Sprint 1 ran from Jun 2, 09:00 to its close on Jun 16, 15:00."""

import csv
import io

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.reports.sprints.burndown import VELOCITY_SPRINTS
from tests.analytics import test_sprint_report
from tests.analytics.factories import make_estimate_change, make_issue, make_sprint, make_stay, utc
from tests.analytics.test_sprint_report import _url

pytestmark = pytest.mark.django_db
data = test_sprint_report.data  # the fixture


def _burndown(client, sprint):
    response = client.get(reverse("report_sprint", args=[sprint.pk]))
    assert response.status_code == 200
    return response


def test_the_burndown_day_by_day(bob_client, data):
    response = _burndown(bob_client, data["sprint"])
    days = response.context["burndown"]
    # The start, then the end of each day from Jun 2 to Jun 15, then the close on Jun 16.
    assert [day.label for day in days] == ["Start"] + [f"Jun {d}" for d in range(2, 17)]
    remaining = [day.numbers.remaining for day in days]
    # 4 committed (ENG-1, 2, 4, 5); ENG-3 added on Jun 5 (5); ENG-4 taken out on Jun 6 (4);
    # ENG-5 closed as Won't Do on Jun 9 (3); ENG-1 completed on Jun 10 (2), ENG-3 on Jun 12 (1).
    assert remaining == [4, 4, 4, 4, 5, 4, 4, 4, 3, 2, 2, 1, 1, 1, 1, 1]
    # In points: 2 + 5 + 2 + 1 at the start; ENG-1 re-estimated 2 → 3 on Jun 5 (ENG-3 has
    # no estimate) 11; ENG-4 out: 9; ENG-5: 8; ENG-1 done: 5 (ENG-2, carried over).
    points = [day.numbers.remaining_points for day in days]
    assert points == [10, 10, 10, 10, 11, 9, 9, 9, 8, 5, 5, 5, 5, 5, 5, 5]
    assert [day.numbers.completed_points for day in days][-1] == 3


def test_the_burndowns_last_day_is_the_sprints_numbers(bob_client, data):
    report = {row.sprint.pk: row.numbers for row in bob_client.get(_url()).context["rows"]}
    for sprint in (data["sprint"], data["active"], data["ops"]):
        response = _burndown(bob_client, sprint)
        days = response.context["burndown"]
        # The Sprints report's numbers (its own query, closing the sprint in SQL).
        assert days[-1].numbers == report[sprint.pk]
        assert response.context["numbers"] == report[sprint.pk]
        for day in days:
            n = day.numbers
            assert n.committed + n.added - n.removed - n.completed - n.not_delivered == (
                n.remaining
            )
            assert n.committed == days[0].numbers.committed


def test_the_sprint_page_draws_the_burndown_with_its_table(bob_client, data):
    response = _burndown(bob_client, data["sprint"])
    html = response.content.decode()
    assert 'id="burndown-heading"' in html
    assert html.count('class="chart-svg chart-line"') == 2
    assert 'id="chart-burndown-title">Burndown in issues<' in html
    assert 'id="table-burndown"' in html
    table = response.context["burndown_table"]
    assert [c.label for c in table.columns][:6] == [
        "Day", "Added", "Removed", "Completed", "Not delivered", "Remaining",
    ]  # fmt: skip
    assert table.rows[-1].values[:6] == ["Jun 16", 1, 1, 2, 1, 1]
    # Its table has a CSV download, the sprint's own, under each of the two charts.
    csv_url = reverse("report_sprint_burndown_export", args=[data["sprint"].pk])
    assert html.count(f'href="{csv_url}?') == 2


@pytest.mark.parametrize(
    ("query", "last"),
    [
        ({}, ["Jun 16", "1", "1", "2", "1", "1"]),
        ({"project": "ENG"}, ["Jun 16", "1", "1", "2", "1", "1"]),
        ({"project": "OPS"}, ["Jun 16", "0", "0", "0", "0", "0"]),  # none of its issues
    ],
)
def test_the_burndown_csv_is_its_table_in_the_filters(bob_client, data, query, last):
    sprint = data["sprint"]
    table = bob_client.get(reverse("report_sprint", args=[sprint.pk]), query).context[
        "burndown_table"
    ]
    response = bob_client.get(reverse("report_sprint_burndown_export", args=[sprint.pk]), query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="acme-burndown-eng-sprint-1.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [column.label for column in table.columns]
    assert rows[1:] == [[text for text, _number in cells] for _row, cells in table.cells()]
    assert len(rows) == 1 + 16  # the start and each day to the close
    assert rows[-1][:6] == last


def test_the_burndown_csv_of_a_sprint_not_started_is_not_found(bob_client, data):
    future = make_sprint(data["connection"], 900, name="Later")
    url = reverse("report_sprint_burndown_export", args=[future.pk])
    assert bob_client.get(url).status_code == 404


def test_the_sprint_page_stays_within_its_query_budget(bob_client, data):
    url = reverse("report_sprint", args=[data["sprint"].pk])
    bob_client.get(url)
    with CaptureQueriesContext(db) as queries:
        assert bob_client.get(url).status_code == 200
    assert len(queries) <= 15, "\n".join(q["sql"][:150] for q in queries)


def test_the_velocity_chart_has_the_last_closed_sprints(bob_client, data):
    response = bob_client.get(_url())
    table = response.context["tables"]["velocity"]
    # The closed sprints, oldest first; the active ENG Sprint 2 is not there yet.
    assert [row.values[:3] for row in table.rows] == [
        ["ENG Sprint 1", 10.0, 3.0],
        ["OPS Sprint 1", 0, 0],
    ]
    chart = response.context["charts"]["velocity"]
    assert chart.series == ["Committed points", "Completed points"]
    assert [(s.label, s.value) for s in chart.segments][:2] == [
        ("ENG Sprint 1", 10.0),
        ("ENG Sprint 1", 3.0),
    ]
    csv = bob_client.get(reverse("report_sprints_export", args=["velocity"]), dict(
        start="2025-06-01", end="2025-06-30"
    )).content.decode().splitlines()  # fmt: skip
    assert csv[0] == 'Sprint,Committed points,Completed points,"Say/do, points (%)"'
    assert csv[1] == "ENG Sprint 1,10.0,3.0,30"


def test_velocity_shows_at_most_the_last_sprints(bob_client, data):
    c = data["connection"]
    for n in range(VELOCITY_SPRINTS + 2):
        sprint = make_sprint(
            c, 300 + n, name=f"Old {n:02}", start=utc(2025, 6, 1 + n), completed=utc(2025, 6, 2 + n)
        )
        issue = make_issue(c, key=f"ENG-{100 + n}", created=utc(2025, 5, 1), story_points=n)
        make_stay(issue, sprint, utc(2025, 5, 30))
        make_estimate_change(issue, utc(2025, 5, 2), None, n)
    rows = bob_client.get(_url()).context["tables"]["velocity"].rows
    assert len(rows) == VELOCITY_SPRINTS
    # By start: Old 00, Old 01, ENG and OPS Sprint 1 (Jun 2, 09:00), Old 02 ... Old 09.
    assert [row.values[0] for row in rows] == [f"Old {n:02}" for n in range(2, 10)]


def test_long_sprint_names_are_cut_under_the_carried_over_chart(bob_client, data):
    """A label longer than a column is wide is cut with "…"; its tooltip has the name."""
    c = data["connection"]
    name = "ENG Sprint 40 – Checkout v2 in beta"
    sprint = make_sprint(c, 400, name=name, start=utc(2025, 6, 3), completed=utc(2025, 6, 13))
    issue = make_issue(c, key="ENG-400", created=utc(2025, 5, 1))
    make_stay(issue, sprint, utc(2025, 6, 1))  # carried over
    svg = bob_client.get(_url()).context["charts"]["carry_over"].svg()
    assert f"<title>{name}</title>ENG Sprint 40 –…</text>" in svg
    assert f"<title>{name}: 1</title>" in svg  # the column's own tooltip
    assert ">ENG Sprint 1</text>" in svg  # a short name is written whole
