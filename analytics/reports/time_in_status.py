"""The Flow report's numbers: hours per status and per stage, and flow efficiency.

Aggregated in SQL over ``analytics.flow.time_in_status.spans_sql``: one query for the
issues completed in the period and one for the open issues. PostgreSQL computes the
percentiles in the query; SQLite returns each issue's hours and they are interpolated
with ``analytics.timing.percentile`` (the same definition as ``percentile_cont``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q, QuerySet

from analytics.flow.stages import ACTIVE, STAGE_LABELS, STAGES
from analytics.flow.time_in_status import HOUR, spans_sql
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
    """Per status and per stage: issues, median and 85th percentile hours, total seconds.

    An issue's hours in a stage are the sum of its hours in the stage's statuses.
    """
    if percentiles_in_sql():
        numbers = (
            "COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds), "
            "percentile_cont(0.85) WITHIN GROUP (ORDER BY seconds), SUM(seconds)"
        )
        group = "GROUP BY name"
        issues = (
            "UNION ALL SELECT 'issues', '', COUNT(DISTINCT issue_id), NULL, NULL, NULL FROM spans"
        )
    else:
        numbers = "issue_id, seconds"
        group = issues = ""
    return f"""
    WITH spans AS ({spans}),
    by_status AS (SELECT issue_id, status AS name, seconds FROM spans),
    by_stage AS (
        SELECT issue_id, stage AS name, SUM(seconds) AS seconds FROM spans
        GROUP BY issue_id, stage
    )
    SELECT '{STATUS}', name, {numbers} FROM by_status {group}
    UNION ALL
    SELECT '{STAGE}', name, {numbers} FROM by_stage {group}
    {issues}
    """  # noqa: S608 (fixed SQL; values are parameters)


def time_in_status(issues: QuerySet[Issue]) -> TimeInStatus:
    """Hours per status and per stage of ``issues`` until completion or now (one query)."""
    spans, params = spans_sql(issues)
    with connection.cursor() as cursor:
        cursor.execute(_aggregate_sql(spans), params)
        rows = cursor.fetchall()
    issues_count = 0
    if percentiles_in_sql():
        grouped = [row for row in rows if row[0] != "issues"]
        issues_count = next((row[2] for row in rows if row[0] == "issues"), 0)
    else:
        values: dict[tuple[str, str], list[float]] = defaultdict(list)
        issue_ids = set()
        for kind, name, issue_id, seconds in rows:
            values[(kind, name)].append(seconds)
            issue_ids.add(issue_id)
        grouped = [
            (kind, name, len(v), percentile(v, 0.5), percentile(v, 0.85), sum(v))
            for (kind, name), v in values.items()
        ]
        issues_count = len(issue_ids)
    result = TimeInStatus()
    order = [stage for stage, _label in STAGES]
    for kind, name, count, median, p85, total in grouped:
        row = TimeRow(
            name or "",
            count,
            None if median is None else median / HOUR,
            None if p85 is None else p85 / HOUR,
            (total or 0) / HOUR,
        )
        (result.statuses if kind == STATUS else result.stages).append(row)
    # Statuses where most time went first; stages in their workflow order.
    result.statuses.sort(key=lambda row: (-row.total, row.name))
    result.stages.sort(key=lambda row: order.index(row.name) if row.name in order else 99)
    result.issues = issues_count
    return result


def completed_issues(filters: ReportFilters) -> QuerySet[Issue]:
    """Issues completed in the period (delivered or closed as not delivered: time was
    spent either way), within the filters."""
    return report_issues(filters).filter(completed_in(filters.period))


def open_issues(filters: ReportFilters) -> QuerySet[Issue]:
    """Issues not completed now, within the site, project and team filters."""
    return report_issues(filters).filter(Q(done_at__isnull=True))
