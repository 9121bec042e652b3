"""Time in status, cycle time and lead time: the one place they are computed.

An issue's life from creation is cut at each status move of its changelog into spans,
each in the status the changelog names at that moment (a status deleted from Jira keeps
its changelog name). Before the first move the issue was in that move's ``from`` status;
an issue without moves spent its whole life in its status now. Spans end at completion
(``done_at``, as ``integrations.jira.workflow`` dates it) for completed issues, or now
for open ones: moves between done statuses after completion add no time, and the hours
of a completed issue sum to its lead time.

The spans are computed in SQL with window functions over the stored transitions (the
same SQL on SQLite and PostgreSQL; only the difference of two instants differs), so a
report never walks the changelogs in Python. Each span's stage comes from the project's
mapping (``StatusStage`` rows, else ``stages.default_stage`` rendered as SQL), at query
time: a change of mapping applies to every report at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Case, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics.flow.models import StatusStage
from analytics.flow.stages import BY_CATEGORY, NAME_HINTS, QUEUE, STAGE_DONE, STAGE_LABELS
from integrations.jira.workflow import DONE, cycle_time, lead_time
from integrations.models import Issue, StatusTransition

# Cycle and lead time are ``integrations.jira.workflow``'s, given here with the time in
# each status so that every duration an issue report shows comes from this module.
__all__ = [
    "cycle_time",
    "hours_by_issue",
    "lead_time",
    "spans_sql",
    "stage_spans_sql",
    "status_hours",
    "timeline",
]

HOUR = 3600.0


def _seconds(end: str, start: str) -> str:
    """SQL for ``end - start`` in seconds, as a float."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({end} - {start}))::double precision"
    # SQLite stores instants as UTC text; julianday() reads them to the microsecond.
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def _stage_sql(status: str, category: str) -> tuple[str, list]:
    """``stages.default_stage`` as a SQL CASE over a status name and category column."""
    whens = [f"WHEN {category} = %s THEN %s"]
    params: list = [DONE, STAGE_DONE]
    for hint, stage in NAME_HINTS:
        whens.append(f"WHEN LOWER({status}) LIKE %s THEN %s")
        params += [f"%{hint}%", stage]
    for key, stage in BY_CATEGORY.items():
        whens.append(f"WHEN {category} = %s THEN %s")
        params += [key, stage]
    return f"CASE {' '.join(whens)} ELSE %s END", [*params, QUEUE]


def _stays_sql(issues: QuerySet[Issue], now: datetime | None) -> tuple[str, list]:
    """CTEs ending in ``stays``: each stay of each issue in a status, clipped to its life
    (from creation to completion, or now), with the project's stage of the status.

    Columns of ``stays``: issue_id, connection_id, project_key, open (1 for an issue not
    completed), status, category, stage, since (seconds from creation to the stay's
    start), seconds (its length).
    """
    scope_sql, scope_params = (
        issues.order_by()
        .values("id", "connection_id", "project_key", "created_at", "status", "status_category")
        .annotate(
            end_at=Coalesce("done_at", Value(now or timezone.now())),
            open=Case(When(done_at__isnull=True, then=1), default=0),
        )
        .query.sql_with_params()
    )
    transitions = StatusTransition._meta.db_table
    stages = StatusStage._meta.db_table
    default_stage, stage_params = _stage_sql("c.status", "c.category")
    # One pass: each issue of the scope with its moves (none: one row of NULLs), so
    # an issue without moves needs no second look. The scope is a subquery, not a CTE:
    # PostgreSQL then estimates its size instead of guessing (a guess off by orders of
    # magnitude JIT-compiles a 50 ms query for a second). Each move carries its issue's
    # bounds, so the spans need no join back to the issues.
    # Table and column names are the models' own and values are parameters.
    sql = f"""
    WITH moves AS (
        SELECT s.id AS issue_id, s.connection_id, s.project_key, s.open, s.created_at,
               s.end_at, s.status AS status_now, s.status_category AS category_now,
               t.at, t.from_status, t.to_status, t.from_category, t.to_category,
               ROW_NUMBER() OVER w AS n, LEAD(t.at) OVER w AS next_at
        FROM ({scope_sql}) s LEFT JOIN {transitions} t ON t.issue_id = s.id
        WINDOW w AS (PARTITION BY s.id ORDER BY t.at, t.history_id)
    ),
    spans AS (
        SELECT issue_id, connection_id, project_key, open, created_at, end_at,
               CASE WHEN at IS NULL THEN status_now ELSE from_status END AS status,
               CASE WHEN at IS NULL THEN category_now ELSE from_category END AS category,
               created_at AS start_at, COALESCE(at, end_at) AS stop_at, 0 AS n
        FROM moves WHERE n = 1
        UNION ALL
        SELECT issue_id, connection_id, project_key, open, created_at, end_at,
               to_status, to_category, at, COALESCE(next_at, end_at), n
        FROM moves WHERE at IS NOT NULL
    ),
    clipped AS (
        SELECT issue_id, connection_id, project_key, open, status, category, n, created_at,
               CASE WHEN start_at < created_at THEN created_at ELSE start_at END AS a,
               CASE WHEN stop_at > end_at THEN end_at ELSE stop_at END AS b
        FROM spans
    ),
    stays AS (
        SELECT c.issue_id, c.connection_id, c.project_key, c.open, c.status, c.category, c.n,
               COALESCE(o.stage, {default_stage}) AS stage,
               {_seconds("c.a", "c.created_at")} AS since,
               {_seconds("c.b", "c.a")} AS seconds
        FROM clipped c
        LEFT JOIN {stages} o ON o.connection_id = c.connection_id
            AND o.project_key = c.project_key AND o.status = c.status
        WHERE c.b > c.a
    )"""  # noqa: S608
    return sql, [*scope_params, *stage_params]


def spans_sql(issues: QuerySet[Issue], *, now: datetime | None = None) -> tuple[str, list]:
    """SQL for the hours of each issue of ``issues`` in each status, and its params.

    Columns: issue_id, open (1 for an issue not completed: its time runs until now),
    status, category, stage, seconds, since (seconds from creation to the first stay in
    the status); one row per issue and status name it spent time in (several stays are
    added up).
    ``category`` is the status's category as the changelog recorded it ("" if unknown).
    Reports aggregate this in SQL (``analytics.reports.time_in_status``).
    """
    stays, params = _stays_sql(issues, now)
    sql = f"""{stays}
    SELECT issue_id, open, status, MAX(category) AS category,
           MAX(stage) AS stage, SUM(seconds) AS seconds, MIN(since) AS since
    FROM stays GROUP BY issue_id, open, status"""  # noqa: S608
    return sql, params


def stage_spans_sql(issues: QuerySet[Issue], *, now: datetime | None = None) -> tuple[str, list]:
    """``spans_sql`` with only what reports aggregate: issue_id, open, status, stage,
    seconds (a status has one stage per project, so grouping by it splits nothing)."""
    stays, params = _stays_sql(issues, now)
    sql = f"""{stays}
    SELECT issue_id, open, status, stage, SUM(seconds) AS seconds
    FROM stays GROUP BY issue_id, open, status, stage"""  # noqa: S608
    return sql, params


@dataclass(frozen=True)
class StatusHours:
    issue_id: int
    status: str
    category: str
    stage: str
    hours: float


def status_hours(issues: QuerySet[Issue], *, now: datetime | None = None) -> list[StatusHours]:
    """Hours per issue and status, for the issues of ``issues`` (one query).

    For an export, a chunk at a time; reports aggregate ``stage_spans_sql`` in SQL
    instead.
    """
    sql, params = spans_sql(issues, now=now)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) h ORDER BY issue_id, since", params)  # noqa: S608
        return [
            StatusHours(issue_id, status, category or "", stage, seconds / HOUR)
            for issue_id, _open, status, category, stage, seconds, _s in cursor.fetchall()
        ]


def hours_by_issue(issues: QuerySet[Issue]) -> dict[int, dict[str, float]]:
    """Issue id → {status name: hours}, in the order statuses were first entered."""
    by_issue: dict[int, dict[str, float]] = defaultdict(dict)
    for row in status_hours(issues):
        by_issue[row.issue_id][row.status] = row.hours
    return dict(by_issue)


@dataclass(frozen=True)
class Stay:
    """One stay of an issue in a status, for its timeline."""

    status: str
    stage: str
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / HOUR

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(self.stage, self.stage)


def timeline(issue: Issue, *, now: datetime | None = None) -> list[Stay]:
    """The issue's stays in each status, oldest first, until completion or now (one query)."""
    stays, params = _stays_sql(Issue.objects.filter(pk=issue.pk), now)
    with connection.cursor() as cursor:
        sql = f"{stays} SELECT status, stage, since, seconds FROM stays ORDER BY n"  # noqa: S608
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = []
    for status, stage, since, seconds in rows:
        start = issue.created_at + timedelta(seconds=since)
        result.append(Stay(status, stage, start, start + timedelta(seconds=seconds)))
    return result
