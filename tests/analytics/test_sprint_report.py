"""The Sprints report, its CSV and the sprint page on a small dataset worked out by hand."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.jira.sites import issue_browse_url
from integrations.models import Issue, JiraBoard
from tests.analytics.factories import (
    PERIOD,
    make_connection,
    make_estimate_change,
    make_issue,
    make_person,
    make_sprint,
    make_stay,
    make_team,
    utc,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(acme, globex):
    """ENG Sprint 1 (board 1) ran Jun 2 - Jun 16 and is closed; ENG Sprint 2 is active since
    Jun 17; OPS Sprint 1 (board 2) ran Jun 2 - Jun 16. Ann is in team Alpha."""
    c = make_connection(acme, "acme", projects=("ENG", "OPS"))
    ann, ben = make_person(acme, "Ann Archer", c), make_person(acme, "Ben Baker", c)
    make_team(acme, "Alpha", [ann])
    s1 = make_sprint(
        c, 101, name="ENG Sprint 1", start=utc(2025, 6, 2, 9), completed=utc(2025, 6, 16, 15)
    )
    s2 = make_sprint(c, 102, name="ENG Sprint 2", start=utc(2025, 6, 17, 9))
    make_sprint(c, 103, name="ENG Sprint 3")  # planned
    ops = make_sprint(
        c, 201, name="OPS Sprint 1", board_id=2, start=utc(2025, 6, 2, 9),
        completed=utc(2025, 6, 16, 15),
    )  # fmt: skip
    june = lambda day, hour=9: utc(2025, 6, day, hour)  # noqa: E731

    def issue(key, assignee=None, *, done=None, **fields):
        return make_issue(
            c, key=key, project=key.split("-")[0], assignee=assignee,
            created=utc(2025, 5, 20), started=june(3) if done else None, done=done, **fields,
        )  # fmt: skip

    eng1 = issue("ENG-1", ann, done=june(10), story_points=3)
    eng2 = issue("ENG-2", ben, status_category="indeterminate", story_points=5)
    eng3 = issue("ENG-3", ann, done=june(12))
    eng4 = issue("ENG-4", story_points=2)
    eng5 = issue("ENG-5", ben, done=june(9), resolution="Won't Do", story_points=1)
    epic = issue("ENG-6", hierarchy_level=1, issue_type="Epic")
    gone = issue("ENG-7", ann, removed=june(20))
    eng8 = issue("ENG-8", ann, done=june(20), story_points=2)
    ops1 = issue("OPS-1", ben, done=june(3))
    # Done before Sprint 1 started, still in it: completed outside the sprint.
    eng9 = issue("ENG-9", done=utc(2025, 5, 30), story_points=8)
    for member in (eng1, eng2, eng4, eng5, epic, gone, eng9):
        make_stay(member, s1, june(1), june(6) if member is eng4 else None)
    make_stay(eng3, s1, june(5))
    make_estimate_change(eng1, june(5), 2, 3)  # re-estimated during Sprint 1: 2 → 3
    make_estimate_change(eng2, utc(2025, 5, 25), 1, 5)  # before the start: committed 5
    make_stay(eng2, s2, june(16, 15))
    make_stay(eng8, s2, june(18))
    make_stay(ops1, ops, june(1))
    globex_connection = make_connection(globex, "globex")
    other = make_sprint(globex_connection, 101, start=june(2), completed=june(16))
    make_stay(make_issue(globex_connection, key="ENG-1", done=june(4)), other, june(1))
    return {"sprint": s1, "active": s2, "ops": ops, "connection": c, "eng3": eng3}


def _url(**params):
    query = "&".join(f"{k}={v}" for k, v in {**PERIOD, **params}.items())
    return f"{reverse('report_sprints')}?{query}"


def _rows(response):
    return {row.values[0]: row.values for row in response.context["tables"]["sprints"].rows}


# One site: no Site column (see test_the_site_column_is_there_only_for_several_sites).
COLUMNS = [
    "Sprint", "Board", "State", "Start", "End", "Closed", "Committed", "Added",
    "Removed", "Completed", "Not delivered", "Carried over", "Still open",
    "Completed outside", "Committed points", "Completed points", "Say/do (%)", "Say/do, points (%)",
]  # fmt: skip


def _numbers(values):
    return dict(zip(COLUMNS[6:], values[6:], strict=True))


def test_every_number_of_the_closed_sprint(bob_client, data):
    response = bob_client.get(_url())
    assert response.status_code == 200
    rows = _rows(response)
    assert list(rows) == ["ENG Sprint 1", "OPS Sprint 1", "ENG Sprint 2"]  # by start
    assert _numbers(rows["ENG Sprint 1"]) == {
        "Committed": 4,  # ENG-1, 2, 4, 5 (the epic and the removed issue are left out)
        "Added": 1,  # ENG-3
        "Removed": 1,  # ENG-4
        "Completed": 2,  # ENG-1, ENG-3
        "Not delivered": 1,  # ENG-5, Won't Do
        "Carried over": 1,  # ENG-2
        "Still open": 0,
        "Completed outside": 1,  # ENG-9, done before the start
        "Committed points": 10.0,  # 2 (ENG-1 at the start) + 5 + 2 + 1
        "Completed points": 3.0,  # ENG-1 at the close; ENG-3 has no estimate
        "Say/do (%)": pytest.approx(0.5),
        "Say/do, points (%)": pytest.approx(3 / 10),
    }


def test_the_active_sprint_counts_until_now(bob_client, data):
    numbers = _numbers(_rows(bob_client.get(_url()))["ENG Sprint 2"])
    assert (numbers["Committed"], numbers["Added"], numbers["Completed"]) == (1, 1, 1)
    assert (numbers["Carried over"], numbers["Still open"]) == (0, 1)  # ENG-2 is still open


def test_the_page_shows_the_table_and_four_charts_with_their_tables(bob_client, data):
    response = bob_client.get(_url())
    html = response.content.decode()
    assert html.count('<svg class="chart-svg') == 4
    for title in ("Committed and completed issues per sprint", "Scope change per sprint"):
        assert title in html
    # The three charts of two series (velocity too) name them in a legend; the one-series
    # chart has none.
    assert html.count('<ul class="legend"') == 3
    assert '<span class="swatch series-1"></span>Completed</li>' in html
    assert '<td class="num">50</td>' in html  # the say/do ratio in percent
    sprint_link = reverse("report_sprint", args=[data["sprint"].pk])
    assert f'href="{sprint_link}?' in html
    # The planned sprint has not started: it is nowhere.
    assert "ENG Sprint 3" not in html


def test_the_csv_is_the_table_on_the_page(bob_client, data):
    page = bob_client.get(_url())
    response = bob_client.get(
        reverse("report_sprints_export", args=["sprints"])
        + "?"
        + page.context["filters"].querystring
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == COLUMNS
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Sprint"] == "ENG Sprint 1"
    assert first["Start"] == "2025-06-02"
    assert (first["Committed"], first["Completed"], first["Say/do (%)"]) == ("4", "2", "50")
    assert [row[0] for row in rows[1:]] == ["ENG Sprint 1", "OPS Sprint 1", "ENG Sprint 2"]
    assert response["Content-Disposition"] == (
        'attachment; filename="acme-sprints-2025-06-01-2025-06-30.csv"'
    )
    assert bob_client.get(reverse("report_sprints_export", args=["nope"])).status_code == 404


def test_the_site_column_is_there_only_for_several_sites(bob_client, data, acme):
    assert "Site" not in [
        c.label for c in bob_client.get(_url()).context["tables"]["sprints"].columns
    ]
    other = make_connection(acme, "acme-ops", projects=("OPS",))
    sprint = make_sprint(other, 301, name="Ops Sprint 1", start=utc(2025, 6, 2, 9))
    make_stay(
        make_issue(other, key="OPS-9", project="OPS", created=utc(2025, 5, 20)),
        sprint,
        utc(2025, 6, 1),
    )
    table = bob_client.get(_url()).context["tables"]["sprints"]
    labels = [c.label for c in table.columns]
    assert labels[:3] == ["Sprint", "Site", "Board"]
    sites = {row.values[0]: row.values[1] for row in table.rows}
    assert sites["Ops Sprint 1"] == "acme-ops.atlassian.net"
    assert sites["ENG Sprint 1"] == "acme.atlassian.net"


def test_boards_filter_the_sprints(bob_client, data):
    board = f"{data['connection'].pk}:2"
    assert list(_rows(bob_client.get(_url(board=board)))) == ["OPS Sprint 1"]
    response = bob_client.get(_url(board="999:1"))
    assert "Unknown boards in the filters were ignored." in response.content.decode()


def test_a_team_sees_only_its_work_and_only_sprints_it_was_in(bob_client, data, acme):
    team = acme.teams.get(name="Alpha")
    rows = _rows(bob_client.get(_url(team=team.pk)))
    assert list(rows) == ["ENG Sprint 1", "ENG Sprint 2"]  # nothing of Ann's was on board 2
    numbers = _numbers(rows["ENG Sprint 1"])
    assert (numbers["Committed"], numbers["Added"], numbers["Completed"]) == (1, 1, 2)


def test_the_sprint_page_lists_its_issues_by_group(bob_client, data):
    response = bob_client.get(reverse("report_sprint", args=[data["sprint"].pk]))
    assert response.status_code == 200
    groups = {g["title"]: [i["key"] for i in g["issues"]] for g in response.context["groups"]}
    assert groups == {
        "Committed": ["ENG-1", "ENG-2", "ENG-4", "ENG-5"],
        "Added": ["ENG-3"],
        "Removed": ["ENG-4"],
        "Completed": ["ENG-1", "ENG-3"],
        "Not delivered": ["ENG-5"],
        "Carried over": ["ENG-2"],
        "Completed outside this sprint": ["ENG-9"],
    }
    html = response.content.decode()
    assert f'href="{issue_browse_url("acme", "ENG-3")}"' in html
    assert f'href="{reverse("issue_detail", args=[data["eng3"].pk])}"' in html
    assert "unestimated" in html  # ENG-3 has no story points
    assert (
        "Committed 4 + added 1 − removed 1 = completed 2 + not delivered 1 + carried over 1."
        in html
    )


def test_each_issue_row_says_what_the_issue_is_escaped(bob_client, data):
    eng5 = Issue.objects.get(key="ENG-5")
    Issue.objects.filter(pk=eng5.pk).update(summary="<b>Drop</b> the old & slow path")
    response = bob_client.get(reverse("report_sprint", args=[data["sprint"].pk]))
    html = response.content.decode()
    not_delivered = html[html.index('id="issues-not-delivered"') :]
    start = not_delivered.index('<tr><th scope="row">')
    row = not_delivered[start : not_delivered.index("</tr>", start) + 5]
    assert row == (
        f'<tr><th scope="row"><a href="{reverse("issue_detail", args=[eng5.pk])}">ENG-5</a>'
        "</th><td>&lt;b&gt;Drop&lt;/b&gt; the old &amp; slow path</td><td>Story</td>"
        "<td>Done</td>"
        '<td class="num">1</td><td><time datetime="2025-06-09T09:00:00+00:00">Jun 9, 2025'
        '</time> <span class="muted">(Won&#x27;t Do)</span></td><td class="nowrap">'
        f'<a href="{issue_browse_url("acme", "ENG-5")}" rel="noopener noreferrer">'
        "Open in Jira</a></td></tr>"
    )
    # The same issue's row, once per group it is in.
    assert html.count(row) == 2  # committed, and not delivered


def test_the_sprint_page_shows_each_re_estimate_as_scope_change_in_points(bob_client, data):
    response = bob_client.get(reverse("report_sprint", args=[data["sprint"].pk]))
    changes = [
        (row["issue"]["key"], row["change"].from_points, row["change"].to_points)
        for row in response.context["re_estimates"]
    ]
    assert changes == [("ENG-1", 2, 3)]  # ENG-2's was before the start
    html = response.content.decode()
    assert "2 → 3" in html
    assert "scope change in points, +1 in all" in html


def test_the_active_sprints_page_has_still_open_instead_of_carried_over(bob_client, data):
    response = bob_client.get(reverse("report_sprint", args=[data["active"].pk]))
    titles = [g["title"] for g in response.context["groups"]]
    assert "Still open" in titles and "Carried over" not in titles


def test_another_workspaces_sprint_is_not_found(charlie_client, data):
    assert charlie_client.get(reverse("report_sprint", args=[data["sprint"].pk])).status_code == 404


def test_the_report_stays_within_its_query_budget(bob_client, data):
    bob_client.get(_url())  # session and caches warmed
    with CaptureQueriesContext(db) as queries:
        assert bob_client.get(_url()).status_code == 200
    assert len(queries) <= 15


def test_without_a_connection_the_page_says_so(alice_client, bob_client):
    page = alice_client.get(reverse("report_sprints")).content.decode()
    assert "No Jira site connected yet" in page
    assert "Sprints come from synced Jira issues." in page
    assert f'<a href="{reverse("integrations")}">Connect a Jira site</a>' in page
    page = bob_client.get(reverse("report_sprints")).content.decode()
    assert "An admin of this workspace needs to connect Jira first." in page


def test_a_site_without_sprints_gets_the_empty_report(alice_client, acme):
    make_connection(acme, "acme", projects=("KAN",))  # a Kanban project: no sprint at all
    response = alice_client.get(reverse("report_sprints"))
    assert response.status_code == 200
    assert "No sprint started in this period" in response.content.decode()


def test_a_period_without_sprints_gets_the_empty_report(bob_client, data):
    response = bob_client.get(
        reverse("report_sprints"), {"start": "2024-01-01", "end": "2024-01-31"}
    )
    assert response.status_code == 200
    assert "No sprint started in this period" in response.content.decode()


def _export(*args) -> list[dict]:
    out = io.StringIO()
    call_command("export_sprints", *args, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_export_sprints_writes_one_row_per_started_sprint(data):
    rows = _export("--workspace", "acme")
    assert list(rows[0]) == [
        "site", "sprint_id", "board_id", "sprint", "state", "start", "end", "completed",
        "committed_issues", "added_issues", "removed_issues", "completed_issues",
        "not_delivered_issues", "carried_over_issues", "completed_outside_issues",
        "committed_points", "completed_points",
    ]  # fmt: skip
    assert [row["sprint"] for row in rows] == ["ENG Sprint 1", "OPS Sprint 1", "ENG Sprint 2"]
    first = rows[0]
    assert first == {
        "site": "acme.atlassian.net",
        "sprint_id": "101",
        "board_id": "1",
        "sprint": "ENG Sprint 1",
        "state": "closed",
        "start": "2025-06-02T09:00:00+00:00",
        "end": "2025-06-16T09:00:00+00:00",
        "completed": "2025-06-16T15:00:00+00:00",
        "committed_issues": "4",
        "added_issues": "1",
        "removed_issues": "1",
        "completed_issues": "2",
        "not_delivered_issues": "1",
        "carried_over_issues": "1",
        "completed_outside_issues": "1",
        "committed_points": "10",
        "completed_points": "3",
    }
    assert rows[2]["completed"] == "" and rows[2]["state"] == "active"


def test_export_sprints_writes_a_formula_like_sprint_name_as_text(data):
    data["sprint"].name = '=HYPERLINK("https://evil.test")'
    data["sprint"].save()
    rows = _export("--workspace", "acme")
    assert rows[0]["sprint"] == '\'=HYPERLINK("https://evil.test")'


def test_export_sprints_covers_every_workspace_or_one_connection(data):
    assert len(_export()) == 4  # Acme's three, Globex's one
    assert {row["site"] for row in _export("--connection", str(data["connection"].pk))} == {
        "acme.atlassian.net"
    }
    out = io.StringIO()
    call_command("export_sprints", "--workspace", "acme", "--format", "jsonl", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0]["committed_issues"] == 4 and lines[0]["sprint_id"] == 101


def test_export_sprints_refuses_an_unknown_workspace(data):
    with pytest.raises(CommandError):
        _export("--workspace", "nope")


def test_a_sprint_with_no_issue_left_in_scope_is_left_out(bob_client, data):
    # Its only issue was deleted in Jira (the census marked it removed).
    Issue.objects.filter(key="OPS-1").update(removed_at=utc(2025, 6, 25))
    assert "OPS Sprint 1" not in _rows(bob_client.get(_url()))


def test_the_table_names_each_board_as_the_board_filter_does(bob_client, data):
    JiraBoard.objects.create(connection=data["connection"], jira_id=1, name="ENG board")
    rows = _rows(bob_client.get(_url()))
    board = COLUMNS.index("Board")
    assert rows["ENG Sprint 1"][board] == "ENG board"
    assert rows["OPS Sprint 1"][board] == "Board 2"  # not read from Jira: its id
