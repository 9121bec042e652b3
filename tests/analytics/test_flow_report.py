"""The Flow report: hours per status and stage of completed issues, open issues apart."""

import pytest
from django.urls import reverse

from analytics.flow.models import StatusSpan, StatusStage, StatusTime
from tests.analytics.factories import make_connection, make_issue, make_transition, utc

pytestmark = pytest.mark.django_db

JUNE = {"start": "2025-06-01", "end": "2025-06-30"}


def _move(issue, when, before, after):
    (from_status, from_category), (to_status, to_category) = before, after
    make_transition(
        issue, when, from_category, to_category, from_status=from_status, to_status=to_status
    )


TODO, DOING, REVIEW, DONE = (
    ("To Do", "new"),
    ("In Progress", "indeterminate"),
    ("Code Review", "indeterminate"),
    ("Done", "done"),
)


@pytest.fixture
def flow_data(acme):
    c = make_connection(acme, projects=("ENG", "OPS"))
    # ENG-1: 1 day to do, 2 days in progress, 1 day in review (4 days lead time).
    a = make_issue(c, key="ENG-1", created=utc(2025, 6, 1), done=utc(2025, 6, 5))
    _move(a, utc(2025, 6, 2), TODO, DOING)
    _move(a, utc(2025, 6, 4), DOING, REVIEW)
    _move(a, utc(2025, 6, 5), REVIEW, DONE)
    # ENG-2: 3 days to do, 1 day in progress, then a later done-to-done move.
    b = make_issue(c, key="ENG-2", created=utc(2025, 6, 1), done=utc(2025, 6, 5))
    _move(b, utc(2025, 6, 4), TODO, DOING)
    _move(b, utc(2025, 6, 5), DOING, DONE)
    _move(b, utc(2025, 6, 20), DONE, ("Closed", "done"))
    # OPS-1: completed in May, outside the period.
    old = make_issue(c, key="OPS-1", project="OPS", created=utc(2025, 5, 1), done=utc(2025, 5, 3))
    _move(old, utc(2025, 5, 3), TODO, DONE)
    # ENG-3: open, in progress since June 10.
    o = make_issue(c, key="ENG-3", created=utc(2025, 6, 9), started=utc(2025, 6, 10))
    _move(o, utc(2025, 6, 10), TODO, DOING)
    return c


def _report(client, params=JUNE):
    response = client.get(reverse("report_flow"), params)
    assert response.status_code == 200
    return response


def _rows(response, table):
    return {row.values[0]: row.values[1:] for row in response.context["tables"][table].rows}


def test_hours_per_status_and_stage_of_issues_completed_in_the_period(bob_client, flow_data):
    response = _report(bob_client)
    statuses = _rows(response, "status_hours")
    # To Do: 24 and 72 hours; median 48, 85th percentile 24 + 0.85 * 48.
    assert statuses["To Do"][:3] == [2, pytest.approx(48.0), pytest.approx(64.8)]
    assert statuses["In Progress"][1] == pytest.approx(36.0)
    assert statuses["Code Review"][:2] == [1, pytest.approx(24.0)]
    assert "Done" not in statuses and "Closed" not in statuses  # no time after completion
    stages = _rows(response, "stage_hours")
    assert stages["Queue"][:2] == [2, pytest.approx(48.0)]
    assert stages["Review"][:2] == [1, pytest.approx(24.0)]
    # Active: 48 + 24 hours of 8 days of lead time.
    assert response.context["report"].completed.efficiency == pytest.approx(72 / 192)
    html = response.content.decode()
    assert "Flow efficiency" in html and "38%" in html
    assert "Hours in active statuses ÷ lead time hours" in html


def test_open_issues_are_shown_apart_with_their_time_so_far(bob_client, flow_data):
    response = _report(bob_client)
    report = response.context["report"]
    assert report.completed.issues == 2 and report.open.issues == 1
    open_statuses = _rows(response, "open_status_hours")
    assert open_statuses["To Do"][:2] == [1, pytest.approx(24.0)]
    assert open_statuses["In Progress"][0] == 1


def test_the_project_filter_applies(bob_client, flow_data):
    response = _report(bob_client, {"start": "2025-05-01", "end": "2025-05-31", "project": "OPS"})
    assert response.context["report"].completed.issues == 1
    assert response.context["report"].open.issues == 0


def test_a_stage_change_applies_to_the_report_at_once(bob_client, flow_data):
    StatusStage.objects.create(
        connection=flow_data, project_key="ENG", status="Code Review", stage="active"
    )
    response = _report(bob_client)
    assert "Review" not in _rows(response, "stage_hours")
    assert response.context["report"].completed.efficiency == pytest.approx(96 / 192)


def test_every_table_downloads_as_csv(bob_client, flow_data):
    for table in ("flow_efficiency", "status_hours", "stage_hours", "open_status_hours"):
        response = bob_client.get(reverse("report_flow_export", args=[table]), JUNE)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
    response = bob_client.get(reverse("report_flow_export", args=["status_hours"]), JUNE)
    assert "Code Review,1,24.0" in response.content.decode()
    assert bob_client.get(reverse("report_flow_export", args=["nope"]), JUNE).status_code == 404


def test_another_workspaces_issues_are_not_counted(charlie_client, flow_data, globex):
    make_connection(globex, "globex")
    response = _report(charlie_client)
    assert response.context["report"].completed.issues == 0


def test_the_flow_page_needs_at_most_15_queries(
    bob_client, flow_data, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15):
        _report(bob_client)


def test_without_a_site_the_page_says_so(bob_client):
    response = bob_client.get(reverse("report_flow"))
    assert response.status_code == 200
    assert response.context["has_connections"] is False


def test_issues_created_already_completed_are_counted_apart(bob_client, flow_data):
    """The Delivery page counts an issue created in a done status among those completed;
    it has no time before completion, so the Flow page says how many it leaves out."""
    make_issue(flow_data, key="ENG-9", created=utc(2025, 6, 7), done=utc(2025, 6, 7))
    response = _report(bob_client)
    report = response.context["report"]
    assert report.completed.issues == 2 and report.completed_without_time == 1
    assert "1 more was created already completed, with no time to show." in (
        response.content.decode()
    )
    assert _rows(response, "flow_efficiency")["Completed with no time (created completed)"] == [1]


def test_no_word_about_issues_created_completed_when_there_are_none(bob_client, flow_data):
    response = _report(bob_client)
    assert response.context["report"].completed_without_time == 0
    assert "created already completed" not in response.content.decode()


def test_an_issue_whose_time_is_not_computed_yet_is_not_called_created_completed(
    bob_client, flow_data
):
    """Just after a sync, an issue's time rows may still be on their way: it had time
    before completion, so it isn't counted with the issues created completed."""
    late = make_issue(flow_data, key="ENG-8", created=utc(2025, 6, 2), done=utc(2025, 6, 6))
    StatusTime.objects.filter(issue=late).delete()
    StatusSpan.objects.filter(issue=late).delete()
    report = _report(bob_client).context["report"]
    assert report.completed.issues == 2 and report.completed_without_time == 0
