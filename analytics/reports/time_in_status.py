"""The Flow report's numbers: hours per status and per stage, and flow efficiency.

Aggregated in SQL over the stored status spans (``analytics.flow.time_in_status.
stage_spans_sql``): one query for the issues completed in the period and the open issues.
PostgreSQL computes the percentiles in the query; SQLite returns each issue's hours and they are interpolated
with ``analytics.timing.percentile`` (the same definition as ``percentile_cont``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q, QuerySet

from analytics.flow.stages import ACTIVE, STAGE_LABELS, STAGES
from analytics.flow.time_in_status import HOUR, spans_completed_in, stage_spans_sql
from analytics.reports.aggregates import percentiles_in_sql
from analytics.reports.filters import ReportFilters
from analytics.reports.selectors import completed_in, report_issues
from analytics.timing import percentile
from integrations.models import Issue

STATUS, STAGE = "status", "stage"


@dataclass(frozen=True)
class TimeRow:
    """One status or stage: how many issues spent time in it and how long (hours)."""

    name: str
    issues: int
    median: float | None
    p85: float | None
    total: float

    @property
    def label(self) -> str:
        return STAGE_LABELS.get(self.name, self.name)


@dataclass
class TimeInStatus:
    """Hours per status and per stage of a set of issues."""

    issues: int = 0
    statuses: list[TimeRow] = field(default_factory=list)
    stages: list[TimeRow] = field(default_factory=list)

    @property
    def total_hours(self) -> float:
        return sum(row.total for row in self.stages)

    @property
    def efficiency(self) -> float | None:
        """Active time over all time (lead time, for completed issues); None without time."""
        total = self.total_hours
        if not total:
            return None
        return sum(row.total for row in self.stages if row.name == ACTIVE) / total


def _aggregate_sql(spans: str) -> str:
    """Per open or completed issues, per status and per stage: issues, median and 85th
    percentile hours, total seconds, and (status rows) how many issues have their first
    span there, which add up to the number of issues.

    An issue's hours in a stage are the sum of its hours in the stage's statuses.
    """
    if percentiles_in_sql():
        numbers = (
            "COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds), "
            "percentile_cont(0.85) WITHIN GROUP (ORDER BY seconds), SUM(seconds), "
            "COUNT(*) FILTER (WHERE first = 0)"
        )
        group = "GROUP BY open, name"
    else:
        numbers = "issue_id, seconds, first"
        group = ""
    return f"""
    WITH spans AS ({spans}),
    by_status AS (SELECT issue_id, open, status AS name, seconds, first FROM spans),
    by_stage AS (
        SELECT issue_id, open, stage AS name, SUM(seconds) AS seconds, MIN(first) AS first
        FROM spans GROUP BY issue_id, open, stage
    )
    SELECT open, '{STATUS}', name, {numbers} FROM by_status {group}
    UNION ALL
    SELECT open, '{STAGE}', name, {numbers} FROM by_stage {group}
    """  # noqa: S608 (fixed SQL; values are parameters)


def _numbers(rows: list[tuple]) -> TimeInStatus:
    """(kind, name, issues, median, p85, total seconds, first spans) rows as hours, in
    order."""
    result = TimeInStatus()
    order = [stage for stage, _label in STAGES]
    for kind, name, count, median, p85, total, firsts in rows:
        row = TimeRow(
            name or "",
            count,
            None if median is None else median / HOUR,
            None if p85 is None else p85 / HOUR,
            (total or 0) / HOUR,
        )
        if kind == STATUS:
            result.issues += firsts
            result.statuses.append(row)
        else:
            result.stages.append(row)
    # Statuses where most time went first; stages in their workflow order.
    result.statuses.sort(key=lambda row: (-row.total, row.name))
    result.stages.sort(key=lambda row: order.index(row.name) if row.name in order else 99)
    return result


def time_in_status(
    issues: QuerySet[Issue], *, spans: Q | None = None
) -> tuple[TimeInStatus, TimeInStatus]:
    """Hours per status and per stage of ``issues``: of the completed ones until their
    completion, and of the open ones until now (one query for both). ``spans`` narrows
    the spans read to a condition all of theirs meet (``stage_spans_sql``)."""
    sql, params = stage_spans_sql(issues, spans=spans)
    with connection.cursor() as cursor:
        cursor.execute(_aggregate_sql(sql), params)
        rows = cursor.fetchall()
    by_open: dict[int, list[tuple]] = defaultdict(list)
    if percentiles_in_sql():
        for is_open, *row in rows:
            by_open[is_open].append(tuple(row))
    else:
        values: dict[tuple, list[float]] = defaultdict(list)
        firsts: dict[tuple, int] = defaultdict(int)
        for is_open, kind, name, _issue_id, seconds, first in rows:
            values[(is_open, kind, name)].append(seconds)
            firsts[(is_open, kind, name)] += first == 0
        for (is_open, kind, name), v in values.items():
            by_open[is_open].append(
                (
                    kind,
                    name,
                    len(v),
                    percentile(v, 0.5),
                    percentile(v, 0.85),
                    sum(v),
                    firsts[(is_open, kind, name)],
                )
            )
    return _numbers(by_open[0]), _numbers(by_open[1])


def flow_issues(filters: ReportFilters) -> QuerySet[Issue]:
    """Issues completed in the period (delivered or closed as not delivered: time was
    spent either way) and the issues not completed now, within the filters."""
    return report_issues(filters).filter(completed_in(filters.period) | Q(done_at__isnull=True))


def flow_spans(filters: ReportFilters) -> Q:
    """What every span of ``flow_issues`` meets (their issue's completion is stored with
    them): ``time_in_status`` reads only those, by index, instead of every issue's."""
    period = filters.period
    return spans_completed_in(period.start, period.end) | Q(issue_done_at__isnull=True)
