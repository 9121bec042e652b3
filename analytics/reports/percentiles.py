"""Medians and 85th percentiles on databases without ``percentile_cont`` (SQLite).

PostgreSQL computes them inside the report queries. Elsewhere this fetches the
timestamps of the delivered issues in one query and interpolates in Python with
:func:`analytics.timing.percentile`, the same definition as ``percentile_cont``.
"""

from collections import defaultdict

from analytics.flow.time_in_status import cycle_time, lead_time
from analytics.reports.aggregates import percentiles_in_sql
from analytics.reports.filters import ReportFilters
from analytics.reports.people import GroupRow
from analytics.reports.selectors import report_issues
from analytics.reports.summary import DeliverySummary
from analytics.timing import percentile


def _seconds(span) -> float | None:
    return None if span is None else span.total_seconds()


def fill_percentiles(
    filters: ReportFilters,
    *,
    summary: DeliverySummary | None = None,
    contributors: list[GroupRow] = (),
) -> None:
    """Set the percentile fields the selectors left empty (nothing to do on PostgreSQL)."""
    if percentiles_in_sql() or not (summary or contributors):
        return
    period = filters.period
    start = period.previous().start if summary else period.start
    rows = (
        report_issues(filters)
        .filter(delivered=True, done_at__gte=start, done_at__lt=period.end)
        .values_list("created_at", "started_at", "done_at", "completed_by__person_id")
    )
    cycle = {"current": [], "previous": []}
    lead = {"current": [], "previous": []}
    by_person: dict = defaultdict(list)
    for created_at, started_at, done_at, person_id in rows:
        which = "current" if done_at >= period.start else "previous"
        cycle_seconds = _seconds(cycle_time(started_at, done_at))
        cycle[which].append(cycle_seconds)
        lead[which].append(_seconds(lead_time(created_at, done_at)))
        if which == "current":
            by_person[person_id].append(cycle_seconds)
    if summary:
        for which in ("current", "previous"):
            numbers = getattr(summary, which)
            numbers.cycle_median = percentile(cycle[which], 0.5)
            numbers.cycle_p85 = percentile(cycle[which], 0.85)
            numbers.lead_median = percentile(lead[which], 0.5)
            numbers.lead_p85 = percentile(lead[which], 0.85)
    for row in contributors:
        row.cycle_median = percentile(by_person.get(row.id, ()), 0.5)
