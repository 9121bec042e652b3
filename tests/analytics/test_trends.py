"""Weekly trends: throughput, cycle and lead time percentiles, work in progress, gaps.

The dataset is small and every expected number is worked out by hand in the comments.
Weeks run Monday to Sunday; June 2, 9 and 16, 2025 are Mondays.
"""

from datetime import date

import pytest
from django.urls import reverse

from analytics.reports.filters import Period, ReportFilters, filter_choices
from analytics.reports.flow import MIN_WEEK_ISSUES, delivery_flow
from analytics.reports.line_charts import line_chart
from analytics.reports.trends import Trends
from tests.analytics.factories import make_connection, make_issue, make_person, make_team, utc

DAY = 86400
THREE_WEEKS = Period(date(2025, 6, 2), date(2025, 6, 22))
NOW = utc(2025, 6, 30, 12)


@pytest.fixture
def issues(acme):
    connection = make_connection(acme)
    ann = make_person(acme, "Ann Archer", connection)
    ben = make_person(acme, "Ben Baker", connection)
    make_team(acme, "Alpha", [ann])
    # Week of June 2: three delivered issues, cycle times 1, 2 and 4 days, lead times
    # 2, 3 and 6 days.
    for started, done, created in ((3, 4, 2), (3, 5, 2), (2, 6, 0)):
        make_issue(
            connection,
            assignee=ann,
            created=utc(2025, 6, created, 9) if created else utc(2025, 5, 31, 9),
            started=utc(2025, 6, started, 9),
            done=utc(2025, 6, done, 9),
        )
    # Week of June 9: one delivered issue (cycle 1 day, lead 3 days): too few for a median.
    make_issue(
        connection,
        assignee=ben,
        created=utc(2025, 6, 8, 9),
        started=utc(2025, 6, 10, 9),
        done=utc(2025, 6, 11, 9),
    )
    # In progress from June 4 to June 20 (delivered in the week of June 16), and one still
    # in progress since June 10; one never started.
    make_issue(
        connection,
        assignee=ben,
        created=utc(2025, 6, 1, 9),
        started=utc(2025, 6, 4, 9),
        done=utc(2025, 6, 20, 9),
    )
    make_issue(connection, assignee=ann, created=utc(2025, 6, 1), started=utc(2025, 6, 10, 9))
    make_issue(connection, assignee=ann, created=utc(2025, 6, 1))
    return connection


def _filters(workspace, **kwargs):
    return ReportFilters(
        workspace=workspace, period=THREE_WEEKS, choices=filter_choices(workspace), **kwargs
    )


def test_weekly_throughput_percentiles_and_work_in_progress(issues, acme):
    weeks = delivery_flow(_filters(acme), now=NOW).trend
    assert [w.monday for w in weeks] == [date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16)]
    assert [w.delivered for w in weeks] == [3, 1, 1]
    first = weeks[0]
    # Cycle times 1, 2, 4 days: median 2; 85th percentile 2 + (4 - 2) * 0.7 = 3.4.
    assert first.cycled == 3
    assert first.cycle_median / DAY == pytest.approx(2)
    assert first.cycle_p85 / DAY == pytest.approx(3.4)
    # Lead times: June 2 → 4 (2 days), June 2 → 5 (3), May 31 → June 6 (6): 3 and 3 + 3 * 0.7.
    assert first.lead_median / DAY == pytest.approx(3)
    assert first.lead_p85 / DAY == pytest.approx(5.1)
    # Work in progress at each week's end (Monday 00:00 after it): June 9: the June 4
    # issue; June 16: it and the June 10 one; June 23: the June 10 one (the other was
    # completed on June 20). The never-started issue is not in progress.
    assert [w.wip for w in weeks] == [1, 2, 1]


def test_a_week_with_too_few_issues_is_a_gap_not_a_spike(issues, acme):
    assert MIN_WEEK_ISSUES == 3
    weeks = delivery_flow(_filters(acme), now=NOW).trend
    assert weeks[1].cycled == 1
    assert weeks[1].cycle_median is None and weeks[1].cycle_p85 is None
    assert weeks[1].lead_median is None
    trends = Trends(weeks)
    table = trends.tables()["cycle_trend"]
    notes = [row.values[-1] for row in table.rows]
    assert notes == [
        "",
        "Too few issues (1, fewer than 3): no point drawn",
        "Too few issues (1, fewer than 3): no point drawn",
    ]
    chart = trends.charts()["cycle_trend"]
    # One point per series (the first week), no line through the gap weeks.
    assert [len(points) for points in chart.points] == [1, 1]
    assert [label for label, _x in chart.labels] == ["Jun 2", "Jun 9", "Jun 16"]
    assert [why for _x, _w, why in chart.gaps] == [
        "Jun 9: Too few issues (1, fewer than 3): no point drawn",
        "Jun 16: Too few issues (1, fewer than 3): no point drawn",
    ]
    svg = chart.svg()
    assert "<polyline" not in svg
    assert svg.count("<circle") == 2


def test_a_gap_breaks_the_line_into_runs():
    chart = line_chart(
        "c", "T", "D", ["Median"], [("a", [1]), ("b", [2]), ("c", [None]), ("d", [4]), ("e", [5])]
    )
    runs = chart.runs[0]
    assert [[p.value for p in run] for run in runs] == [[1, 2], [4, 5]]
    assert chart.svg().count("<polyline") == 2
    # The scale is the highest value's nice maximum: 5 at the top of the plot.
    assert runs[1][1].y == 14


def test_the_team_filter_narrows_the_trends(issues, acme):
    alpha = filter_choices(acme).teams[0]
    weeks = delivery_flow(_filters(acme, team_id=alpha.id), now=NOW).trend
    # Alpha is Ann: her three issues of the first week; in progress, her June 10 issue.
    assert [w.delivered for w in weeks] == [3, 0, 0]
    assert [w.wip for w in weeks] == [0, 1, 1]


def test_the_delivery_page_shows_the_trends_with_their_tables(issues, alice_client):
    response = alice_client.get(reverse("reports"), {"start": "2025-06-02", "end": "2025-06-22"})
    page = response.content.decode()
    assert 'id="trends-heading"' in page
    for slug in ("throughput", "cycle_trend", "lead_trend", "wip_trend"):
        assert f'id="table-{slug}"' in page
    assert "Too few issues (1, fewer than 3): no point drawn" in page
    assert "A week with fewer than 3 issues has no point: the line breaks there." in page
    assert 'class="chart-svg chart-line"' in page


def test_the_trend_tables_download_as_on_the_page(issues, alice_client):
    params = {"start": "2025-06-02", "end": "2025-06-22"}
    response = alice_client.get(reverse("report_export", args=["cycle_trend"]), params)
    lines = response.content.decode().splitlines()
    assert lines[0] == (
        "Week starting,Delivered issues with one,Median (days),85th percentile (days),Note"
    )
    assert lines[1] == "2025-06-02,3,2.0,3.4,"
    assert lines[2] == '2025-06-09,1,,,"Too few issues (1, fewer than 3): no point drawn"'
