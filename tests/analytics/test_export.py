import csv
import io

import pytest
from django.urls import reverse

from analytics.reports.export import safe_cell
from tests.analytics.factories import PERIOD, build_report_dataset, make_issue, utc


@pytest.fixture
def data(acme, globex):
    return build_report_dataset(acme, globex)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def _page_rows(table) -> list[list[str]]:
    return [[text for text, _number in cells] for _row, cells in table.cells()]


@pytest.mark.parametrize(
    "table",
    ["headline", "throughput", "cycle_time", "scores", "team_points", "contributors", "teams"],
)
def test_every_table_exports_the_numbers_on_the_page(data, bob_client, table):
    page = bob_client.get(reverse("reports"), PERIOD).context["tables"][table]
    rows = _csv(bob_client.get(reverse("report_export", args=[table]), PERIOD))
    assert rows[0] == [column.label for column in page.columns]
    assert rows[1:] == _page_rows(page)


def test_the_contributor_export_follows_the_sort_and_filters(data, alice_client):
    params = {**PERIOD, "sort": "-points", "team": data.alpha.pk}
    rows = _csv(alice_client.get(reverse("report_export", args=["contributors"]), params))
    assert rows[0][:3] == ["Person", "Delivered issues", "Total score"]
    assert rows[1:] == [
        ["Ann Archer", "2", "140", "2.0", "3", "2"],
        ["Ben Baker", "2", "60", "11.0", "0", "2"],
    ]


def test_the_headline_export_has_the_period_over_period_change(data, alice_client):
    rows = _csv(alice_client.get(reverse("report_export", args=["headline"]), PERIOD))
    by_metric = {row[0]: row[1:] for row in rows[1:]}
    few = "No comparison: only 2 issues in the previous period"
    assert by_metric["Delivered issues"] == ["5", "2", "", few]
    assert by_metric["Median cycle time (days)"] == [
        "2.5",
        "6.0",
        "",
        "No comparison: only 2 issues with a cycle time in the previous period",
    ]
    assert by_metric["Delivered with a linked pull request (%)"] == ["60", "0", "", few]
    assert by_metric["Work in progress now"] == ["2", "", "", ""]


def test_exports_have_sensible_file_names(data, alice_client):
    response = alice_client.get(reverse("report_export", args=["teams"]), PERIOD)
    assert response["Content-Disposition"] == (
        'attachment; filename="acme-teams-2025-06-01-2025-06-30.csv"'
    )
    response = alice_client.get(reverse("report_contributor_csv", args=[data.ann.pk]), PERIOD)
    assert response["Content-Disposition"] == (
        'attachment; filename="acme-ann-archer-2025-06-01-2025-06-30.csv"'
    )


def test_an_unknown_table_is_404(data, alice_client):
    assert alice_client.get(reverse("report_export", args=["nope"])).status_code == 404


def test_drill_down_exports_list_every_issue(data, alice_client):
    rows = _csv(alice_client.get(reverse("report_team_csv", args=[data.alpha.pk]), PERIOD))
    assert rows[0][:2] == ["Key", "Summary"]
    assert sorted(row[0] for row in rows[1:]) == ["ENG-1", "ENG-2", "ENG-3", "ENG-4"]
    eng1 = next(row for row in rows if row[0] == "ENG-1")
    assert eng1[4:] == ["2025-06-03", "1.0", "80", "1", "1"]


def test_cells_that_a_spreadsheet_would_run_are_quoted(data, alice_client):
    make_issue(
        data.connection,
        key="ENG-99",
        assignee=data.ann,
        summary='=HYPERLINK("http://evil.test","click")',
        done=utc(2025, 6, 20),
    )
    data.ann.display_name = "@SUM(A1:A9)"
    data.ann.save()
    rows = _csv(alice_client.get(reverse("report_contributor_csv", args=[data.ann.pk]), PERIOD))
    summary = next(row[1] for row in rows if row[0] == "ENG-99")
    assert summary == '\'=HYPERLINK("http://evil.test","click")'
    contributors = _csv(alice_client.get(reverse("report_export", args=["contributors"]), PERIOD))
    assert [row[0] for row in contributors if "SUM" in row[0]] == ["'@SUM(A1:A9)"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_safe_cell(text, expected):
    assert safe_cell(text) == expected


def test_outsiders_cannot_export(data, charlie_client, client):
    response = charlie_client.get(reverse("report_export", args=["contributors"]), PERIOD)
    assert "Ann Archer" not in response.content.decode()
    response = client.get(reverse("report_export", args=["contributors"]))
    assert response.status_code == 302
