from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.analytics.factories import (
    PERIOD,
    build_report_dataset,
    make_comment,
    make_connection,
    make_issue,
    make_person,
    make_team,
)


@pytest.fixture
def data(acme, globex):
    return build_report_dataset(acme, globex)


def test_it_requires_login(client, acme):
    response = client.get(reverse("reports"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_it_shows_the_numbers_to_a_member(data, bob_client):
    response = bob_client.get(reverse("reports"), PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Delivery analysis" in page
    cards = {card["label"]: card for card in response.context["cards"]}
    assert cards["Delivered issues"]["value"] == "5"
    # Two issues in the previous period are too few to compare with (test_comparison.py).
    assert cards["Delivered issues"]["change"] is None
    assert cards["Delivered issues"]["no_change_because"] == (
        "No comparison: only 2 issues in the previous period"
    )
    assert cards["Total score"]["value"] == "200"
    assert cards["Total score"]["note"] == (
        "The sum of the delivered issues' scores; not story points."
    )
    assert cards["Cycle time (median)"]["value"] == "2.5 days"
    assert cards["Work in progress"]["value"] == "2"
    assert cards["With a linked pull request"]["value"] == "60%"
    # The contributor and team tables link to their drill-downs with the same filters.
    assert f"/reports/contributors/{data.ann.pk}/?start=2025-06-01&amp;end=2025-06-30" in page
    assert f"/reports/teams/{data.alpha.pk}/?start=2025-06-01" in page
    assert reverse("report_scoring") in page


def test_the_team_filters_blank_choice_reads_all_teams(data, bob_client):
    html = bob_client.get(reverse("reports"), PERIOD).content.decode()
    select = html[html.index('name="team"') :]
    select = select[: select.index("</select>")]
    assert '<option value="" selected>All teams</option>' in select
    assert "All people" not in html


def test_it_draws_charts_with_a_table_alternative(data, alice_client):
    response = alice_client.get(reverse("reports"), PERIOD)
    page = response.content.decode()
    charts = response.context["charts"]
    assert len(charts) == 7
    # A chart with nothing to draw says so instead (here: no week has 3 issues with a
    # cycle or lead time, so both trends are all gaps).
    drawn = [chart for chart in charts.values() if not chart.empty]
    assert {slug for slug, chart in charts.items() if chart.empty} == {"cycle_trend", "lead_trend"}
    assert page.count("<svg") == len(drawn) == 5
    assert page.count('role="img"') == 5
    assert "Delivered issues per week" in page
    assert "Show the numbers as a table" in page
    assert "<script" not in page


def test_it_defaults_to_the_last_90_days(data, alice_client):
    response = alice_client.get(reverse("reports"))
    period = response.context["filters"].period
    assert period.last == timezone.localdate()
    assert period.days == 90


def test_contributors_are_ordered_by_name_by_default_and_sortable(data, alice_client):
    response = alice_client.get(reverse("reports"), PERIOD)
    names = [row.values[0] for row in response.context["tables"]["contributors"].rows]
    assert names == ["Ann Archer", "Ben Baker", "Cid Cole", "Unassigned"]

    response = alice_client.get(reverse("reports"), {**PERIOD, "sort": "-comments"})
    names = [row.values[0] for row in response.context["tables"]["contributors"].rows]
    assert names[0] == "Ann Archer"
    assert names[-1] == "Unassigned"

    # "Unassigned" is not a person: it stays last whatever the column.
    for sort in ["-delivered", "delivered", "-points", "-name"]:
        response = alice_client.get(reverse("reports"), {**PERIOD, "sort": sort})
        names = [row.values[0] for row in response.context["tables"]["contributors"].rows]
        assert names[-1] == "Unassigned", sort

    response = alice_client.get(reverse("reports"), {**PERIOD, "sort": "password; drop"})
    assert response.status_code == 200
    assert response.context["tables"]["contributors"].sort == "name"


@pytest.mark.parametrize(
    "params",
    [
        {"start": "not-a-date", "end": "2025-13-45"},
        {"start": "99999999999999999999", "end": "0"},
        {"start": "9999-12-31", "end": "0001-01-01"},
        {"start": "2025-06-30", "end": "2025-06-01"},
        {"start": "1800-01-01"},
        {"site": ["abc", "99999999999999999999", "-1"]},
        {"project": ["NOPE", "ÉNG", "\x00", "' OR 1=1 --"]},
        {"team": "99999999999999999999999"},
        {"team": "😀"},
        {"team": "1.5", "site": "1e9"},
        {"sort": "\x00", "page": "-1"},
        {"start": "２０２５-０６-０１"},
    ],
)
def test_bad_filter_params_never_fail(data, alice_client, params):
    response = alice_client.get(reverse("reports"), params)
    assert response.status_code == 200
    csv = alice_client.get(reverse("report_export", args=["contributors"]), params)
    assert csv.status_code == 200


def test_bad_filter_params_say_what_was_ignored(data, alice_client):
    response = alice_client.get(
        reverse("reports"), {"start": "garbage", "site": "12345", "team": "nope"}
    )
    notes = response.context["filters"].notes
    assert any("not a date" in note for note in notes)
    assert any("Unknown sites" in note for note in notes)
    assert any("team" in note for note in notes)
    assert "not a date" in response.content.decode()


def test_swapped_dates_are_put_in_order(data, alice_client):
    response = alice_client.get(reverse("reports"), {"start": "2025-06-30", "end": "2025-06-01"})
    period = response.context["filters"].period
    assert (period.first.isoformat(), period.last.isoformat()) == ("2025-06-01", "2025-06-30")


def test_another_workspaces_team_and_site_are_ignored(data, alice_client, globex):
    other_team = make_team(globex, "Secret team")
    other_site = globex.jira_connections.get()
    response = alice_client.get(
        reverse("reports"), {**PERIOD, "team": other_team.pk, "site": other_site.pk}
    )
    filters = response.context["filters"]
    assert filters.team_id is None
    assert filters.connection_ids == ()
    assert "Secret team" not in response.content.decode()


def test_drill_downs_list_the_issues_behind_the_numbers(data, bob_client):
    response = bob_client.get(reverse("report_contributor", args=[data.ann.pk]), PERIOD)
    assert response.status_code == 200
    keys = [row.values[0] for row in response.context["table"].rows]
    assert keys == ["ENG-2", "ENG-1"]  # newest first; the removed ENG-11 is left out
    assert reverse("issue_detail", args=[data.issues[0].pk]) in response.content.decode()
    numbers = response.context["numbers"].rows[0].values
    assert numbers[:3] == ["Ann Archer", 2, 140]
    assert f'href="{reverse("report_contributor_csv", args=[data.ann.pk])}?' in (
        response.content.decode()
    )

    response = bob_client.get(reverse("report_team", args=[data.alpha.pk]), PERIOD)
    keys = [row.values[0] for row in response.context["table"].rows]
    assert sorted(keys) == ["ENG-1", "ENG-2", "ENG-3", "ENG-4"]
    assert response.context["numbers"].rows[0].values[:4] == ["Alpha", 2, 4, 200]
    page = response.content.decode()
    assert "People: Ann Archer, Ben Baker." in page
    assert f'href="{reverse("report_team_csv", args=[data.alpha.pk])}?' in page
    assert "Total score: the sum of the delivered issues&#x27; scores; not story points" in page


@pytest.mark.parametrize("page", ["report_team", "report_contributor"])
def test_drill_downs_have_no_team_filter(data, bob_client, page):
    subject = data.alpha if page == "report_team" else data.ann
    url = reverse(page, args=[subject.pk])
    plain = bob_client.get(url, PERIOD)
    html = plain.content.decode()
    assert 'name="team"' not in html
    assert "All teams" not in html
    assert "Changes compare" not in html  # a drill-down shows no changes
    # Another team in the query string (a link kept from the report) changes nothing.
    for team in (data.gamma.pk, "nope"):
        response = bob_client.get(url, {**PERIOD, "team": team})
        assert response.context["numbers"].rows[0].values == plain.context["numbers"].rows[0].values
        assert "team=" not in response.context["filters"].querystring
        assert "The team in the filters is unknown" not in response.content.decode()


def test_outsiders_get_404_on_drill_downs(data, charlie_client):
    assert charlie_client.get(reverse("report_contributor", args=[data.ann.pk])).status_code == 404
    assert charlie_client.get(reverse("report_team", args=[data.alpha.pk])).status_code == 404
    assert (
        charlie_client.get(reverse("report_contributor_csv", args=[data.ann.pk])).status_code == 404
    )
    assert charlie_client.get(reverse("report_team_csv", args=[data.alpha.pk])).status_code == 404


def test_charlie_sees_only_globex_numbers(data, charlie_client):
    response = charlie_client.get(reverse("reports"), PERIOD)
    assert response.context["summary"].current.delivered == 1
    assert "Ann Archer" not in response.content.decode()


def test_the_scoring_page_explains_the_checks(alice_client):
    page = alice_client.get(reverse("report_scoring")).content.decode()
    assert "Acceptance criteria" in page
    assert "Pull requests" in page


def _dataset(workspace, size, name):
    connection = make_connection(workspace, name, projects=("ENG", "OPS"))
    people = [make_person(workspace, f"{name} {n}", connection) for n in range(5)]
    make_team(workspace, f"{name} A", people[:3])
    make_team(workspace, f"{name} B", people[2:])
    now = timezone.now()
    for n in range(size):
        issue = make_issue(
            connection,
            project=("ENG", "OPS")[n % 2],
            assignee=people[n % 5],
            created=now - timedelta(days=60 + n % 20),
            started=now - timedelta(days=30 + n % 10),
            done=now - timedelta(days=n % 25) if n % 4 else None,
            score=n % 100,
            prs=n % 2,
        )
        if n % 3 == 0:
            make_comment(issue, people[(n + 1) % 5], now - timedelta(days=2))


def _count_report_queries(client, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reports"), {"project": ["ENG", "OPS"]})
    assert response.status_code == 200
    assert response.context["summary"].current.delivered > 0
    return len(queries)


def test_the_reports_page_runs_a_fixed_number_of_queries(
    acme, alice_client, django_assert_max_num_queries
):
    alice_client.get(reverse("reports"))  # the session settles on the workspace
    _dataset(acme, 10, "small")
    small = _count_report_queries(alice_client, django_assert_max_num_queries)
    _dataset(acme, 200, "large")
    large = _count_report_queries(alice_client, django_assert_max_num_queries)
    assert small == large


@pytest.mark.parametrize(
    "url",
    [
        "/issues/99999999999999999999999/",
        "/reports/contributors/99999999999999999999/",
        "/reports/contributors/0/issues.csv",
        "/reports/teams/99999999999999999999/",
        "/reports/teams/12345/issues.csv",
        "/settings/teams/99999999999999999999/",
    ],
)
def test_unknown_ids_are_404(alice_client, acme, url):
    assert alice_client.get(url).status_code == 404


def test_reports_without_a_connected_site_say_what_to_do(alice_client, bob_client, acme):
    admin_page = alice_client.get(reverse("reports")).content.decode()
    assert "No Jira site connected yet" in admin_page
    assert reverse("integrations") in admin_page
    member_page = bob_client.get(reverse("reports")).content.decode()
    assert "An admin of this workspace needs to connect Jira first" in member_page
    assert reverse("integrations") not in member_page


def test_people_with_the_same_name_can_be_told_apart(data, alice_client, acme):
    from integrations.models import Person

    ann = Person.objects.get(workspace=acme, display_name="Ann Archer")
    Person.objects.filter(workspace=acme, display_name="Ben Baker").update(
        display_name="Ann Archer"
    )
    response = alice_client.get(reverse("reports"), PERIOD)
    names = [row.values[0] for row in response.context["tables"]["contributors"].rows]
    assert f"Ann Archer ({ann.email})" in names
    assert len([n for n in names if n.startswith("Ann Archer (")]) == 2


def test_reports_say_when_each_site_was_last_synced(data, alice_client):
    page = alice_client.get(reverse("reports"), PERIOD).content.decode()
    assert "Last synced:" in page
    assert "acme.atlassian.net" in page


def test_work_is_credited_to_who_completed_it_not_the_assignee_now(data, alice_client, acme):
    from integrations.models import Issue, Person

    ann = Person.objects.get(workspace=acme, display_name="Ann Archer")
    ben = Person.objects.get(workspace=acme, display_name="Ben Baker")
    before = {
        row.values[0]: row.values[1]
        for row in alice_client.get(reverse("reports"), PERIOD)
        .context["tables"]["contributors"]
        .rows
    }
    # Ann's delivered issues are reassigned to Ben after completion: the credit stays with Ann.
    Issue.objects.filter(completed_by__person=ann).update(assignee=ben.jira_users.first())
    after = {
        row.values[0]: row.values[1]
        for row in alice_client.get(reverse("reports"), PERIOD)
        .context["tables"]["contributors"]
        .rows
    }
    assert after == before
