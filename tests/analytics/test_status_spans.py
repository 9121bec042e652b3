"""Status spans are stored once per sync and read by every time-in-status view."""

import importlib
import itertools
from datetime import date, timedelta

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.flow.models import StatusSpan, StatusStage, StatusTime
from analytics.flow.stages import default_stage
from analytics.flow.time_in_status import (
    _stays_sql,
    hours_by_issue,
    spans_completed_in,
    stage_spans_sql,
    store_all_spans,
    timeline,
)
from analytics.reports.filters import Period, ReportFilters
from analytics.reports.time_in_status import flow_issues, flow_spans, time_in_status
from integrations.models import Issue, JiraConnection, StatusTransition
from integrations.signals import issues_stored
from tests.analytics.factories import make_connection, make_issue, make_transition, utc

pytestmark = pytest.mark.django_db


def _spans(issue):
    return list(
        StatusSpan.objects.filter(issue=issue)
        .order_by("position")
        .values_list("position", "status", "entered_at", "left_at", "seconds", "issue_done_at")
    )


def test_an_open_issue_stores_its_closed_spans_and_its_current_one_runs_until_now(acme):
    c = make_connection(acme)
    issue = make_issue(c, created=utc(2025, 6, 1), started=utc(2025, 6, 2))
    make_transition(
        issue, utc(2025, 6, 2), "new", "indeterminate", from_status="To Do", to_status="Doing"
    )
    assert _spans(issue) == [
        (0, "To Do", utc(2025, 6, 1), utc(2025, 6, 2), 86400.0, None),
        (1, "Doing", utc(2025, 6, 2), None, None, None),
    ]
    # Read later, the current stay has grown; the stored rows have not changed.
    for days in (1, 3):
        stays = timeline(issue, now=utc(2025, 6, 2) + timedelta(days=days))
        assert [(s.status, s.hours) for s in stays] == [("To Do", 24.0), ("Doing", 24.0 * days)]


def test_issues_stored_by_a_sync_get_their_spans_recomputed(acme):
    c = make_connection(acme)
    issue = make_issue(c, created=utc(2025, 6, 1), started=utc(2025, 6, 2))
    make_transition(
        issue, utc(2025, 6, 2), "new", "indeterminate", from_status="To Do", to_status="Doing"
    )
    # The sync writes the issue's completion and its new move, then says so.
    Issue.objects.filter(pk=issue.pk).update(
        done_at=utc(2025, 6, 5), status="Done", status_category="done"
    )
    StatusTransition.objects.create(
        issue=issue,
        history_id=99,
        at=utc(2025, 6, 5),
        from_status="Doing",
        to_status="Done",
        from_category="indeterminate",
        to_category="done",
    )
    assert _spans(issue)[-1][3] is None  # not yet recomputed
    issues_stored.send(sender=JiraConnection, issue_ids=[issue.pk])
    assert _spans(issue) == [
        (0, "To Do", utc(2025, 6, 1), utc(2025, 6, 2), 86400.0, utc(2025, 6, 5)),
        (1, "Doing", utc(2025, 6, 2), utc(2025, 6, 5), 3 * 86400.0, utc(2025, 6, 5)),
    ]
    assert hours_by_issue(Issue.objects.filter(pk=issue.pk)) == {
        issue.pk: {"To Do": 24.0, "Doing": 72.0}
    }


def test_the_migration_stores_the_spans_of_issues_synced_before(acme):
    c = make_connection(acme)
    done = make_issue(c, created=utc(2025, 6, 1), done=utc(2025, 6, 3))
    make_transition(done, utc(2025, 6, 2), "new", "done", from_status="To Do", to_status="Done")
    still = make_issue(c, created=utc(2025, 6, 1))
    before = {issue.pk: _spans(issue) for issue in (done, still)}
    StatusSpan.objects.all().delete()
    migration = importlib.import_module("analytics.migrations.0004_status_spans")
    migration.store_spans_of_existing_issues(None, None)
    assert {issue.pk: _spans(issue) for issue in (done, still)} == before
    assert store_all_spans(batch_size=1) == 3  # rewritten, not added to
    assert StatusSpan.objects.count() == 3


def test_reading_only_the_spans_of_a_period_gives_the_same_numbers(acme):
    c = make_connection(acme)
    for day, hours in ((2, 5), (3, 30), (20, 7)):
        done = utc(2025, 6, day) + timedelta(hours=hours)
        issue = make_issue(c, created=utc(2025, 6, day), done=done)
        make_transition(issue, done, "new", "done", from_status="To Do", to_status="Done")
    make_issue(c, created=utc(2025, 6, 1))  # open: not in either
    start, end = utc(2025, 6, 1), utc(2025, 6, 10)
    issues = Issue.objects.filter(done_at__gte=start, done_at__lt=end)
    whole, _ = time_in_status(issues)
    narrowed, _ = time_in_status(issues, spans=spans_completed_in(start, end))
    assert narrowed == whole
    assert whole.issues == 2
    assert [r.name for r in whole.statuses] == ["To Do"]
    assert whole.statuses[0].median == pytest.approx(17.5)


def test_reading_only_the_flow_reports_spans_gives_the_same_numbers(acme):
    c = make_connection(acme)
    for day, hours in ((2, 5), (3, 30), (20, 7), (25, 2)):
        done = utc(2025, 6, day) + timedelta(hours=hours)
        issue = make_issue(c, created=utc(2025, 6, day), done=done)
        make_transition(issue, done, "new", "done", from_status="To Do", to_status="Done")
    still = make_issue(c, created=utc(2025, 6, 1))
    make_transition(
        still, utc(2025, 6, 4), "new", "indeterminate", from_status="To Do", to_status="Doing"
    )
    filters = ReportFilters(workspace=acme, period=Period(date(2025, 6, 1), date(2025, 6, 20)))
    issues = flow_issues(filters)
    completed, still_open = time_in_status(issues, spans=flow_spans(filters))
    assert (completed, still_open.issues) == (time_in_status(issues)[0], 1)
    assert completed.issues == 3
    assert [r.name for r in still_open.statuses] == ["Doing", "To Do"]


STAGE_NAMES = ["To Do", "In Progress", "Code Review", "In QA", "Blocked", "Waiting for customer",
               "On Hold", "Reviewed and closed", "Done", "Ready for Dev", "", "qa", "REVIEW"]  # fmt: skip
CATEGORIES = ["new", "indeterminate", "done", ""]
_sites = itertools.count()


def _spans_in(acme, names_and_categories):
    """One issue that went through the given statuses, a day each: its stored spans."""
    c = make_connection(acme, subdomain=f"site{next(_sites)}")
    issue = make_issue(c, created=utc(2025, 6, 1))
    status, category = "Created", "new"
    for day, (name, to_category) in enumerate(names_and_categories, start=1):
        make_transition(
            issue,
            utc(2025, 6, 1) + timedelta(days=day),
            category,
            to_category,
            from_status=status,
            to_status=name,
        )
        status, category = name, to_category
    return StatusSpan.objects.filter(issue=issue)


def test_each_span_stores_the_default_stage_of_its_status(acme):
    pairs = [(name, category) for name in STAGE_NAMES for category in CATEGORIES]
    spans = _spans_in(acme, pairs)
    assert spans.count() == len(pairs) + 1
    for span in spans:
        assert span.default_stage == default_stage(span.status, span.category), span


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pairs=st.lists(
        st.tuples(
            st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ -", max_size=20),
            st.sampled_from(CATEGORIES),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_the_stored_default_stage_is_the_rule_of_stages(acme, pairs):
    for span in _spans_in(acme, pairs):
        assert span.default_stage == default_stage(span.status, span.category), span


def _grouped_spans(issues, now):
    """Each issue's seconds per status and stage, the spans added up when read: what the
    stored time rows must give (``stage_spans_sql``)."""
    stays, params = _stays_sql(issues, now)
    sql = f"""SELECT issue_id, open, status, stage, SUM(seconds), MIN(position)
    FROM ({stays}) stays GROUP BY issue_id, open, status, stage"""  # noqa: S608
    return _rows(sql, params)


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(
            (issue_id, is_open, status, stage, round(seconds, 3), first)
            for issue_id, is_open, status, stage, seconds, first in cursor.fetchall()
        )


def _stored_times(issues, now):
    return _rows(*stage_spans_sql(issues, now=now))


def _history(acme, moves, *, done=None):
    """An issue created on June 1st that made ``moves`` (status, category) a day apart."""
    c = JiraConnection.objects.filter(workspace=acme).first() or make_connection(acme)
    issue = make_issue(c, created=utc(2025, 6, 1), done=done)
    status, category = "To Do", "new"
    for day, (name, to_category) in enumerate(moves, start=1):
        at = utc(2025, 6, 1) + timedelta(days=day)
        make_transition(issue, at, category, to_category, from_status=status, to_status=name)
        status, category = name, to_category
    return issue


def test_the_stored_time_per_status_adds_up_the_spans_with_or_without_a_mapping(acme):
    # Reopened (In Progress twice), and a status whose category changed (a workflow
    # migration): "Triage" counted under two default stages until an admin maps it.
    moves = [("Triage", "new"), ("In Progress", "indeterminate"), ("Triage", "indeterminate"),
             ("In Progress", "indeterminate"), ("Done", "done")]  # fmt: skip
    _history(acme, moves, done=utc(2025, 6, 6))
    _history(acme, moves[:3])  # open, in Triage now
    issues, now = Issue.objects.all(), utc(2025, 7, 1)
    stored = _stored_times(issues, now)
    assert stored == _grouped_spans(issues, now)
    assert {row[3] for row in stored if row[2] == "Triage"} == {"queue", "active"}
    connection_ = JiraConnection.objects.get(workspace=acme)
    StatusStage.objects.create(
        connection=connection_, project_key="ENG", status="Triage", stage="waiting"
    )
    mapped = _stored_times(issues, now)
    assert mapped == _grouped_spans(issues, now)
    assert {row[3] for row in mapped if row[2] == "Triage"} == {"waiting"}
    assert len(mapped) == len(stored) - 2  # one Triage row per issue instead of two


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    moves=st.lists(
        st.tuples(
            st.sampled_from(["To Do", "Doing", "Review", "Blocked"]), st.sampled_from(CATEGORIES)
        ),
        max_size=6,
    ),
    done=st.booleans(),
    mapped=st.sampled_from([None, "Doing", "Review"]),
)
def test_the_stored_time_per_status_is_the_spans_grouped_when_read(acme, moves, done, mapped):
    issue = _history(
        acme, moves, done=utc(2025, 6, 1) + timedelta(days=len(moves), hours=5) if done else None
    )
    StatusStage.objects.all().delete()
    if mapped:
        StatusStage.objects.create(
            connection=issue.connection,
            project_key=issue.project_key,
            status=mapped,
            stage="active",
        )
    issues, now = Issue.objects.filter(pk=issue.pk), utc(2025, 7, 1)
    assert _stored_times(issues, now) == _grouped_spans(issues, now)


def test_deleting_an_issue_deletes_its_stored_time(acme):
    issue = _history(acme, [("Doing", "indeterminate")])
    assert StatusTime.objects.filter(issue=issue).count() == 2
    issue.connection.delete()
    assert not StatusTime.objects.exists()
    assert not StatusSpan.objects.exists()
