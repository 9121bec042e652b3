"""Time in status from stored transitions: spans cut at each move, ending at completion."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.flow.models import StatusStage
from analytics.flow.stages import default_stage
from analytics.flow.time_in_status import hours_by_issue, lead_time, timeline
from integrations.models import Issue, JiraConnection
from tests.analytics.factories import make_connection, make_issue, make_transition, utc

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _move(issue, when, from_status, to_status, from_category, to_category):
    return make_transition(
        issue, when, from_category, to_category, from_status=from_status, to_status=to_status
    )


def test_hours_per_status_until_completion_with_a_reopen_and_a_later_done_move(acme):
    c = make_connection(acme)
    issue = make_issue(c, created=utc(2025, 6, 1), done=utc(2025, 6, 6))
    _move(issue, utc(2025, 6, 2), "To Do", "In Progress", "new", "indeterminate")
    _move(issue, utc(2025, 6, 3), "In Progress", "Resolved", "indeterminate", "done")
    _move(issue, utc(2025, 6, 4), "Resolved", "Reopened", "done", "new")
    _move(issue, utc(2025, 6, 6), "Reopened", "Done", "new", "done")
    # A workflow migration months later: done to done, adds no time.
    _move(issue, utc(2025, 9, 1), "Done", "Closed", "done", "done")
    got = hours_by_issue(Issue.objects.filter(pk=issue.pk))[issue.pk]
    assert got == {"To Do": 24.0, "In Progress": 24.0, "Resolved": 24.0, "Reopened": 48.0}
    stays = timeline(issue)
    assert [(s.status, s.stage, s.hours) for s in stays] == [
        ("To Do", "queue", 24.0),
        ("In Progress", "active", 24.0),
        ("Resolved", "done", 24.0),
        ("Reopened", "queue", 48.0),
    ]
    assert stays[0].start == utc(2025, 6, 1) and stays[-1].end == utc(2025, 6, 6)


def test_an_issue_without_moves_spent_its_life_in_its_status(acme):
    c = make_connection(acme)
    issue = make_issue(c, created=utc(2025, 6, 1), started=utc(2025, 6, 1))
    got = hours_by_issue(Issue.objects.filter(pk=issue.pk))[issue.pk]
    assert list(got) == ["In Progress"] and got["In Progress"] > 24


def test_an_admins_stage_applies_at_once(acme):
    c = make_connection(acme)
    issue = make_issue(c, created=utc(2025, 6, 1), done=utc(2025, 6, 2))
    _move(issue, utc(2025, 6, 2), "Triage", "Done", "new", "done")
    assert [s.stage for s in timeline(issue)] == ["queue"]
    StatusStage.objects.create(connection=c, project_key="ENG", status="Triage", stage="review")
    assert [s.stage for s in timeline(issue)] == ["review"]


STATUSES = [
    ("To Do", "new"),
    ("Code Review", "indeterminate"),
    ("In Progress", "indeterminate"),
    ("Blocked", "indeterminate"),
    ("Ready for Dev", ""),
    ("Resolved", "done"),
    ("Done", "done"),
]


@EXAMPLES
@given(
    moves=st.lists(
        st.tuples(st.integers(0, 500), st.integers(0, len(STATUSES) - 1)), min_size=0, max_size=8
    ),
    done_after=st.integers(1, 600),
)
def test_hours_of_a_completed_issue_sum_to_its_lead_time(acme, moves, done_after):
    JiraConnection.objects.all().delete()
    c = make_connection(acme)
    created = utc(2025, 6, 1)
    done = created + timedelta(hours=done_after)
    issue = make_issue(c, created=created, done=done)
    status, category = STATUSES[0]
    for hours_in, index in sorted(moves):
        to_status, to_category = STATUSES[index]
        _move(issue, created + timedelta(hours=hours_in), status, to_status, category, to_category)
        status, category = to_status, to_category
    got = hours_by_issue(Issue.objects.filter(pk=issue.pk))[issue.pk]
    lead = lead_time(issue.created_at, issue.done_at).total_seconds() / 3600
    assert sum(got.values()) == pytest.approx(lead, abs=1e-6)
    assert sum(s.hours for s in timeline(issue)) == pytest.approx(lead, abs=1e-6)


@given(name=st.text(max_size=30), category=st.sampled_from(["new", "indeterminate", "done", ""]))
def test_default_stages_follow_category_and_name_hints(name, category):
    stage = default_stage(name, category)
    if category == "done":
        assert stage == "done"
    elif "review" in name.lower() or "qa" in name.lower():
        assert stage in ("review", "waiting")
    assert default_stage("Code Review", "indeterminate") == "review"
    assert default_stage("Blocked", "new") == "waiting"
    assert default_stage("In QA", "indeterminate") == "review"
    assert default_stage("Ready for Dev", "") == "queue"


def test_the_issue_page_shows_its_own_status_timeline(acme, bob_client):
    c = make_connection(acme)
    issue = make_issue(c, created=utc(2025, 6, 1), done=utc(2025, 6, 4))
    _move(issue, utc(2025, 6, 2), "To Do", "Code Review", "new", "indeterminate")
    _move(issue, utc(2025, 6, 4), "Code Review", "Done", "indeterminate", "done")
    response = bob_client.get(reverse("issue_detail", args=[issue.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Time in status" in html
    rows = [(s.status, s.stage_label, s.hours) for s in response.context["status_timeline"]]
    assert rows == [("To Do", "Queue", 24.0), ("Code Review", "Review", 48.0)]
    assert "<td>Review</td>" in html and ">48.0<" in html
    assert response.context["lead_time"] == "3 days"


def _export(command, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_exports_write_time_in_status_for_completed_issues(acme):
    c = make_connection(acme)
    done = make_issue(c, key="ENG-1", created=utc(2025, 6, 1), done=utc(2025, 6, 4))
    _move(done, utc(2025, 6, 2), "To Do", "Code Review", "new", "indeterminate")
    _move(done, utc(2025, 6, 4), "Code Review", "Done", "indeterminate", "done")
    _move(done, utc(2025, 7, 4), "Done", "Closed", "done", "done")
    make_issue(c, key="ENG-2", created=utc(2025, 6, 1), started=utc(2025, 6, 2))
    lines = _export("export_issues", "--format", "jsonl").splitlines()
    rows = {row["key"]: row for row in map(json.loads, lines)}
    assert rows["ENG-1"]["time_in_status"] == {"To Do": 24.0, "Code Review": 48.0}
    assert rows["ENG-2"]["time_in_status"] == {}
    csv_rows = list(csv.DictReader(io.StringIO(_export("export_issues"))))
    assert json.loads(csv_rows[0]["time_in_status"]) in ({"To Do": 24.0, "Code Review": 48.0}, {})
    flow = list(csv.DictReader(io.StringIO(_export("export_flow", "--workspace", "acme"))))
    assert flow == [
        {"site": "acme.atlassian.net", "key": "ENG-1", "status": "To Do", "stage": "queue",
         "hours": "24.0"},
        {"site": "acme.atlassian.net", "key": "ENG-1", "status": "Code Review",
         "stage": "review", "hours": "48.0"},
    ]  # fmt: skip
    jsonl = _export("export_flow", "--connection", str(c.pk), "--format", "jsonl")
    assert [json.loads(line)["hours"] for line in jsonl.splitlines()] == [24.0, 48.0]
