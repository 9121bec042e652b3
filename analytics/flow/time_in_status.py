"""Time in status, cycle time and lead time: the one place they are computed.

An issue's life from creation is cut at each status move of its changelog into spans,
each in the status the changelog names at that moment (a status deleted from Jira keeps
its changelog name). Before the first move the issue was in that move's ``from`` status;
an issue without moves spent its whole life in its status now. Spans end at completion
(``done_at``, as ``integrations.jira.workflow`` dates it) for completed issues, or now
for open ones: moves between done statuses after completion add no time, and the hours
of a completed issue sum to its lead time.

The spans are computed once per sync, in SQL with window functions over the stored
transitions (``store_spans``, called when the sync or a webhook stored issues), and kept
in ``StatusSpan``: a page view reads rows, it never walks the changelogs. An open issue's
closed spans are stored with their length; the one it is in now has no end, and its time
runs until the moment of reading. Each span's stage comes from the project's mapping
at query time (``StatusStage`` rows, else the span's ``default_stage``, which the
database computes from its status and category when it is written): a change of mapping
applies to every report at once. With the spans, each issue's time per status is stored
added up (``StatusTime``), which the reports aggregate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Case, Q, QuerySet, When
from django.utils import timezone

from analytics.facts import of_issues
from analytics.flow.mapping import stage_of_status
from analytics.flow.models import StatusSpan, StatusStage, StatusTime
from analytics.flow.stages import STAGE_LABELS
from integrations.jira.workflow import cycle_time, lead_time
from integrations.models import Issue, StatusTransition

# Cycle and lead time are ``integrations.jira.workflow``'s, given here with the time in
# each status so that every duration an issue report shows comes from this module.
__all__ = [
    "cycle_time",
    "hours_by_issue",
    "lead_time",
    "spans_completed_in",
    "spans_sql",
    "stage_spans_sql",
    "status_hours",
    "store_all_spans",
    "store_spans",
    "timeline",
]

HOUR = 3600.0
MOVE_FIELDS = ("from_status", "to_status", "from_category", "to_category")
# Issues per INSERT ... SELECT: each is one statement, its ids bound as parameters.
SPANS_PER_STATEMENT = 2000


def _seconds(end: str, start: str) -> str:
    """SQL for ``end - start`` in seconds, as a float."""
    if connection.vendor == "postgresql":
        return f"date_part('epoch', {end} - {start})"  # a float: EXTRACT gives a numeric
    # SQLite stores instants as UTC text; julianday() reads them to the microsecond.
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


# ------------------------------------------------------------------ writing, per sync


def _spans_from_changelog_sql(issue_ids: list[int]) -> tuple[str, list]:
    """SELECT of each stay of the given issues in a status, clipped to its life (from
    creation to completion; an open issue's last stay has no end).

    Columns: issue_id, position (0, 1, 2... without gaps: each issue with time has one
    span at 0, which reports count issues by), status, category, entered_at, left_at,
    seconds, issue_done_at.
    """
    scope_sql, scope_params = (
        Issue.objects.filter(pk__in=issue_ids)
        .order_by()
        .values("id", "created_at", "done_at", "status", "status_category")
        .query.sql_with_params()
    )
    # The moves of these issues only, read by their index (the ids are mostly a dense
    # range); a plain join would make PostgreSQL scan every issue's moves per batch.
    moves_sql, moves_params = (
        StatusTransition.objects.filter(of_issues(issue_ids))
        .order_by()
        .values("issue_id", "at", "history_id", *MOVE_FIELDS)
        .query.sql_with_params()
    )
    # One pass: each issue with its moves (none: one row of NULLs), so an issue without
    # moves needs no second look. Each move carries its issue's bounds, so the spans need
    # no join back to the issues. A stay ending after completion is cut there (moves
    # between done statuses later add nothing); one starting after it is left out.
    # Table and column names are the models' own and values are parameters.
    sql = f"""
    WITH moves AS (
        SELECT s.id AS issue_id, s.created_at, s.done_at AS end_at,
               s.status AS status_now, s.status_category AS category_now,
               t.at, t.from_status, t.to_status, t.from_category, t.to_category,
               ROW_NUMBER() OVER w AS n, LEAD(t.at) OVER w AS next_at
        FROM ({scope_sql}) s LEFT JOIN ({moves_sql}) t ON t.issue_id = s.id
        WINDOW w AS (PARTITION BY s.id ORDER BY t.at, t.history_id)
    ),
    spans AS (
        SELECT issue_id, created_at, end_at,
               CASE WHEN at IS NULL THEN status_now ELSE from_status END AS status,
               CASE WHEN at IS NULL THEN category_now ELSE from_category END AS category,
               created_at AS start_at, COALESCE(at, end_at) AS stop_at, 0 AS n
        FROM moves WHERE n = 1
        UNION ALL
        SELECT issue_id, created_at, end_at, to_status, to_category, at,
               COALESCE(next_at, end_at), n
        FROM moves WHERE at IS NOT NULL
    ),
    clipped AS (
        SELECT issue_id, n, status, category, end_at,
               CASE WHEN start_at < created_at THEN created_at ELSE start_at END AS a,
               CASE WHEN stop_at > end_at THEN end_at ELSE stop_at END AS b
        FROM spans
    )
    SELECT issue_id, ROW_NUMBER() OVER (PARTITION BY issue_id ORDER BY n) - 1,
           COALESCE(status, ''), COALESCE(category, ''), a, b,
           CASE WHEN b IS NULL THEN NULL ELSE {_seconds("b", "a")} END, end_at
    FROM clipped WHERE b IS NULL OR b > a
    """  # noqa: S608
    return sql, [*scope_params, *moves_params]


def _times_from_spans_sql(issue_ids: list[int]) -> tuple[str, list]:
    """SELECT of the ``StatusTime`` rows of the given issues from their stored spans: per
    issue, status and default stage, the seconds of the stays that ended, when the stay
    it is in now began (if in that status) and the smallest position; and for a status
    with more than one default stage, a ``WHOLE`` row of all of them.

    Columns: issue_id, status, default_stage, kind, seconds, running_since, first,
    issue_done_at.
    """
    spans_sql, params = (
        StatusSpan.objects.filter(issue_id__in=issue_ids)
        .order_by()
        .values(
            "issue_id", "status", "default_stage", "position", "entered_at", "left_at",
            "seconds", "issue_done_at",
        )
        .query.sql_with_params()
    )  # fmt: skip
    kind = StatusTime.Kind
    sql = f"""
    WITH parts AS (
        SELECT issue_id, status, default_stage, COALESCE(SUM(seconds), 0) AS seconds,
               MAX(CASE WHEN left_at IS NULL THEN entered_at END) AS running_since,
               MIN(position) AS first, MAX(issue_done_at) AS issue_done_at,
               COUNT(*) OVER (PARTITION BY issue_id, status) AS stages
        FROM ({spans_sql}) s GROUP BY issue_id, status, default_stage
    )
    SELECT issue_id, status, default_stage,
           CASE WHEN stages = 1 THEN '{kind.ONE}' ELSE '{kind.PART}' END,
           seconds, running_since, first, issue_done_at
    FROM parts
    UNION ALL
    SELECT issue_id, status, '', '{kind.WHOLE}', SUM(seconds), MAX(running_since),
           MIN(first), MAX(issue_done_at)
    FROM parts WHERE stages > 1 GROUP BY issue_id, status
    """  # noqa: S608 (the model's table and fixed values; ids are parameters)
    return sql, params


def store_spans(issue_ids: Iterable[int], *, times: bool = True) -> int:
    """Recompute the stored spans of the given issues from their changelogs, and their
    time per status (``StatusTime``) from the spans; returns how many spans were
    written. Ids of issues deleted since are skipped.

    Called once the sync or a webhook stored the issues (``analytics.tasks``): one
    INSERT ... SELECT per ``SPANS_PER_STATEMENT`` issues for each table, with their
    deletes in one transaction, so a report never sees an issue without its spans.
    ``times=False`` writes only the spans (the migration that first stored them, before
    the time table existed).
    """
    ids = sorted({int(pk) for pk in issue_ids})
    table = StatusSpan._meta.db_table
    written = 0
    for start in range(0, len(ids), SPANS_PER_STATEMENT):
        chunk = ids[start : start + SPANS_PER_STATEMENT]
        select, params = _spans_from_changelog_sql(chunk)
        with transaction.atomic(), connection.cursor() as cursor:
            StatusSpan.objects.filter(issue_id__in=chunk).delete()
            cursor.execute(
                f"INSERT INTO {table} "  # noqa: S608 (the model's table; values are params)
                "(issue_id, position, status, category, entered_at, left_at, seconds, "
                "issue_done_at) "
                f"{select}",
                params,
            )
            written += max(cursor.rowcount, 0)
            if times:
                StatusTime.objects.filter(issue_id__in=chunk).delete()
                select, params = _times_from_spans_sql(chunk)
                cursor.execute(
                    f"INSERT INTO {StatusTime._meta.db_table} "  # noqa: S608 (as above)
                    "(issue_id, status, default_stage, kind, seconds, running_since, first, "
                    "issue_done_at) "
                    f"{select}",
                    params,
                )
    return written


def store_all_spans(*, batch_size: int = 20_000, times: bool = True) -> int:
    """``store_spans`` for every issue, in primary key order; returns how many were written.

    For databases that had issues before spans were stored (the data migrations) and for
    bulk-loaded data (the benchmark).
    """
    written = 0
    last_id = 0
    while True:
        ids = list(
            Issue.objects.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return written
        written += store_spans(ids, times=times)
        last_id = ids[-1]


# ------------------------------------------------------------------ reading, per view


def _now_param(now: datetime | None):
    return connection.ops.adapt_datetimefield_value(now or timezone.now())


def _scope_sql(issues: QuerySet[Issue]) -> tuple[str, list]:
    """SELECT of ``issues``' id, connection, project and ``open`` (1 when not completed)."""
    return (
        issues.order_by()
        .values("id", "connection_id", "project_key")
        .annotate(open=Case(When(done_at__isnull=True, then=1), default=0))
        .query.sql_with_params()
    )


def _stays_sql(issues: QuerySet[Issue], now: datetime | None) -> tuple[str, list]:
    """SELECT of the stored stays of ``issues`` with their stage and length, the stay an
    open issue is in now running until ``now``.

    Columns: issue_id, open (1 for an issue not completed), status, category, stage (the
    admin's choice for the project, else the span's stored default), seconds, entered_at,
    position.
    """
    scope_sql, scope_params = _scope_sql(issues)
    spans_sql, spans_params = (
        StatusSpan.objects.order_by()
        .values(
            "issue_id", "position", "status", "category", "entered_at", "seconds", "default_stage"
        )
        .query.sql_with_params()
    )
    stages = StatusStage._meta.db_table
    sql = f"""
    SELECT s.issue_id, i.open, s.status, s.category,
           COALESCE(o.stage, s.default_stage) AS stage,
           COALESCE(s.seconds, {_seconds("%s", "s.entered_at")}) AS seconds,
           s.entered_at, s.position
    FROM ({spans_sql}) s
    JOIN ({scope_sql}) i ON i.id = s.issue_id
    LEFT JOIN {stages} o ON o.connection_id = i.connection_id
        AND o.project_key = i.project_key AND o.status = s.status
    """  # noqa: S608 (the models' tables; values are parameters)
    return sql, [_now_param(now), *spans_params, *scope_params]


def spans_sql(issues: QuerySet[Issue], *, now: datetime | None = None) -> tuple[str, list]:
    """SQL for the hours of each issue of ``issues`` in each status, and its params.

    Columns: issue_id, open (1 for an issue not completed: its time runs until now),
    status, category, stage, seconds, since (when the issue first entered the status);
    one row per issue and status name it spent time in (several stays are added up).
    ``category`` is the status's category as the changelog recorded it ("" if unknown).
    """
    stays, params = _stays_sql(issues, now)
    sql = f"""
    SELECT issue_id, open, status, MAX(category) AS category,
           MAX(stage) AS stage, SUM(seconds) AS seconds, MIN(entered_at) AS since
    FROM ({stays}) stays GROUP BY issue_id, open, status"""  # noqa: S608
    return sql, params


def spans_completed_in(start: datetime, end: datetime) -> Q:
    """The spans (and time rows) of issues completed from ``start`` to ``end`` (a
    narrowing for ``stage_spans_sql``)."""
    return Q(issue_done_at__gte=start, issue_done_at__lt=end)


def stage_spans_sql(
    issues: QuerySet[Issue], *, now: datetime | None = None, spans: Q | None = None
) -> tuple[str, list]:
    """``spans_sql`` with only what reports aggregate: issue_id, open, status, stage,
    seconds, and ``first``: 0 on exactly one row of each issue, so counting issues needs
    no DISTINCT. Reports aggregate this in SQL (``analytics.reports.time_in_status``).

    Read from the stored time per status (``StatusTime``), one row per issue, status and
    stage: the row of each status that fits the mapping (its default-stage rows unless
    the admin mapped the status, then its whole row), the time of the stay an open issue
    is in now running until ``now``. ``spans``, a condition that every span of
    ``issues`` meets (``spans_completed_in``; the time rows carry the same field), only
    narrows what is read: the database then finds the rows by their index.
    """
    scope_sql, scope_params = _scope_sql(issues)
    times_sql, times_params = (
        StatusTime.objects.filter(spans or Q())
        .order_by()
        .values("issue_id", "status", "default_stage", "kind", "seconds", "running_since", "first")
        .query.sql_with_params()
    )
    kind = StatusTime.Kind
    stages = StatusStage._meta.db_table
    sql = f"""
    SELECT t.issue_id, i.open, t.status, COALESCE(o.stage, t.default_stage) AS stage,
           CASE WHEN t.running_since IS NULL THEN t.seconds
                ELSE t.seconds + {_seconds("%s", "t.running_since")} END AS seconds,
           t.first
    FROM ({times_sql}) t
    JOIN ({scope_sql}) i ON i.id = t.issue_id
    LEFT JOIN {stages} o ON o.connection_id = i.connection_id
        AND o.project_key = i.project_key AND o.status = t.status
    WHERE t.kind = '{kind.ONE}' OR (t.kind = '{kind.PART}' AND o.stage IS NULL)
        OR (t.kind = '{kind.WHOLE}' AND o.stage IS NOT NULL)
    """  # noqa: S608 (the models' tables and fixed values; values are parameters)
    return sql, [_now_param(now), *times_params, *scope_params]


@dataclass(frozen=True)
class StatusHours:
    issue_id: int
    status: str
    category: str
    stage: str
    hours: float


def status_hours(issues: QuerySet[Issue], *, now: datetime | None = None) -> list[StatusHours]:
    """Hours per issue and status, for the issues of ``issues`` (one query), by issue and
    in the order statuses were first entered.

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
    """The issue's stays in each status, oldest first, until completion or now (two
    queries: its spans and its project's stage choices)."""
    stage = stage_of_status(issue.connection_id, issue.project_key)
    now = now or timezone.now()
    return [
        Stay(span.status, stage(span.status, span.category), span.entered_at, span.left_at or now)
        for span in StatusSpan.objects.filter(issue=issue).order_by("position")
    ]
