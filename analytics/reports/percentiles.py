"""Medians and 85th percentiles on databases without ``percentile_cont`` (SQLite).

PostgreSQL computes them inside the report queries. Elsewhere the selectors read them from
:class:`Durations`: the delivered issues' timestamps, listed in one query the first time a
selector asks, and interpolated in Python with :func:`analytics.timing.percentile` (the
same definition as ``percentile_cont``). A report passes one ``Durations`` to all its
selectors, so the list is read once per page; a selector given none makes its own.
Either way the selectors return finished numbers: no caller fills anything in.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import cached_property

from django.utils import timezone

from analytics.flow.time_in_status import cycle_time, lead_time
from analytics.reports.aggregates import percentiles_in_sql
from analytics.reports.filters import ReportFilters
from analytics.reports.selectors import report_issues
from analytics.timing import percentile


def _seconds(span) -> float | None:
    return None if span is None else span.total_seconds()


class Durations:
    """The cycle and lead times of the issues delivered from ``since`` (by default the
    period's start) to the period's end, within the filters. No query on PostgreSQL."""

    def __init__(self, filters: ReportFilters, *, since: datetime | None = None):
        self.filters = filters
        self.since = since or filters.period.start

    @staticmethod
    def needed() -> bool:
        return not percentiles_in_sql()

    def covers(self, start: datetime) -> bool:
        return self.since <= start

    @cached_property
    def rows(self) -> list[tuple[datetime, float | None, float | None, int | None]]:
        """(completed at, cycle seconds, lead seconds, credited person id) per issue."""
        listed = (
            report_issues(self.filters)
            .filter(delivered=True, done_at__gte=self.since, done_at__lt=self.filters.period.end)
            .values_list("created_at", "started_at", "done_at", "completed_by__person_id")
        )
        return [
            (
                done_at,
                _seconds(cycle_time(started_at, done_at)),
                _seconds(lead_time(created_at, done_at)),
                person_id,
            )
            for created_at, started_at, done_at, person_id in listed
        ]

    def _between(self, start: datetime, end: datetime):
        return [row for row in self.rows if start <= row[0] < end]

    def percentiles(self, start: datetime, end: datetime) -> dict[str, float | None]:
        """Cycle and lead time median and 85th percentile of the issues delivered from
        ``start`` to ``end`` (seconds), named like ``PeriodNumbers``' fields."""
        rows = self._between(start, end)
        cycles = [row[1] for row in rows]
        leads = [row[2] for row in rows]
        return {
            "cycle_median": percentile(cycles, 0.5),
            "cycle_p85": percentile(cycles, 0.85),
            "lead_median": percentile(leads, 0.5),
            "lead_p85": percentile(leads, 0.85),
        }

    def cycle_median_by_person(self) -> dict[int | None, float | None]:
        """Each credited person's median cycle time over the period."""
        period = self.filters.period
        by_person: dict = defaultdict(list)
        for _done, cycle, _lead, person_id in self._between(period.start, period.end):
            by_person[person_id].append(cycle)
        return {pk: percentile(cycles, 0.5) for pk, cycles in by_person.items()}

    def by_week(self) -> dict[date, tuple[list[float], list[float]]]:
        """Monday (local) → the cycle and lead times of the issues delivered that week in
        the period; an issue without one is left out of that list."""
        period = self.filters.period
        weeks: dict = defaultdict(lambda: ([], []))
        for done_at, cycle, lead, _person in self._between(period.start, period.end):
            day = timezone.localtime(done_at).date()
            cycles, leads = weeks[day - timedelta(days=day.weekday())]
            if cycle is not None:
                cycles.append(cycle)
            if lead is not None:
                leads.append(lead)
        return weeks


def durations_for(filters: ReportFilters, durations: Durations | None, start: datetime):
    """``durations`` if it covers ``start``, else a list of this selector's own."""
    if durations is not None and durations.filters == filters and durations.covers(start):
        return durations
    return Durations(filters, since=start)
