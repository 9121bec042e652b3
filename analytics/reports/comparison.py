"""When a number of the period may be compared with the previous period's, and why not.

The one rule behind every "% vs previous period" the reports show (the headline cards,
the headline table and its CSV, the dashboard). A percentage from a baseline of two
issues ("+45500%" on a 0.7-day median) or from a previous period the synced data doesn't
reach says nothing, so a change is shown only when:

- the previous period lies inside the synced history: it doesn't start before the day
  the earliest synced issue of the sites in scope was created;
- for times (cycle and lead time), the history reaches one more period back: an issue
  delivered early in the previous period can't be older than the history, so a previous
  period at the very start of the history has only short times ("+5275%" on a lead time
  whose baseline was cut short by the history, not by the team);
- both periods have at least ``MIN_ISSUES`` issues behind the number;
- the previous figure is known and not zero (no percentage of nothing).

Otherwise the reports say why there is no comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, DateTimeField, Exists, Subquery, When
from django.utils import timezone

from analytics.reports.filters import Period, ReportFilters
from integrations.models import Issue
from pensero.models import Workspace

# Fewer issues than this in either period and a change is noise, not a trend.
MIN_ISSUES = 10


@dataclass(frozen=True)
class Change:
    """A number's change on the previous period in percent, or why there is none."""

    percent: float | None = None
    reason: str = ""

    @property
    def label(self) -> str:
        """The change as the cards show it ("+12%"), or "" when there is none."""
        return "" if self.percent is None else f"{self.percent:+.0f}%"


@dataclass(frozen=True)
class Baseline:
    """The previous period, and whether the synced history reaches back to its start."""

    previous: Period
    # The creation day of the earliest synced issue in scope; None when nothing is synced.
    # Only looked up when the history doesn't reach back far enough (see ``baseline``).
    history_start: date | None
    in_history: bool
    # Whether it reaches one more period back, as times need (the module's rules).
    in_history_for_times: bool = True

    def change(
        self,
        current: float | None,
        previous: float | None,
        *,
        current_issues: int,
        previous_issues: int,
        counted: str = "issues",
        time: bool = False,
    ) -> Change:
        """The change from ``previous`` to ``current``, each figure computed from
        ``current_issues`` and ``previous_issues`` issues (``counted`` names them);
        ``time``: the figures are times (cycle or lead time)."""
        if self.in_history and time and not self.in_history_for_times:
            return Change(
                reason="No comparison: the synced history (from "
                f"{format_day(self.history_start)}) doesn't reach far enough before the "
                "previous period for its times to compare"
            )
        if not self.in_history:
            if self.history_start is None:
                return Change(reason="No comparison: no issues are synced yet")
            return Change(
                reason="No comparison: the previous period starts before the synced "
                f"history (from {format_day(self.history_start)})"
            )
        if previous_issues < MIN_ISSUES:
            return Change(
                reason=f"No comparison: {_few(previous_issues, counted)} in the previous period"
            )
        if current_issues < MIN_ISSUES:
            return Change(reason=f"No comparison: {_few(current_issues, counted)} in this period")
        if current is None or previous is None:
            return Change(reason="No comparison: no figure for one of the periods")
        if not previous:
            return Change(reason="No comparison: the previous period's figure is 0")
        return Change(percent=(current - previous) * 100 / previous)


def _few(count: int, counted: str) -> str:
    """ "only 3 issues", "only 1 scored issue", "no issues with a cycle time"."""
    if count == 0:
        return f"no {counted}"
    if count == 1:
        return "only 1 " + counted.replace("issues", "issue", 1)
    return f"only {count} {counted}"


def format_day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def history_scope(filters: ReportFilters):
    """The synced issues whose earliest creation starts the history: the sites in scope."""
    issues = Issue.objects.filter(workspace=filters.workspace, removed_at__isnull=True)
    if filters.connection_ids:
        issues = issues.filter(connection_id__in=filters.connection_ids)
    return issues.order_by()


def baseline(filters: ReportFilters) -> Baseline:
    """Whether the previous period lies inside the synced history, and whether the history
    reaches one more period back (for times), in one query.

    The history reaches a day when an issue in scope was created by the end of it, which
    the database answers from the first such row it finds. Only when the history falls
    short does it look for the earliest creation, for the notice's date (a CASE evaluates
    its ELSE only when needed). On 100,000 issues in PostgreSQL that is under 2 ms when
    the history reaches back, and about 0.1 s (a scan: no index leads with the creation
    time) for a period so long that it doesn't.
    """
    previous = filters.period.previous()
    issues = history_scope(filters)
    early = Exists(issues.filter(created_at__lt=Period(previous.first, previous.first).end))
    before = previous.previous()
    earlier = Exists(issues.filter(created_at__lt=Period(before.first, before.first).end))
    earliest = Subquery(issues.order_by("created_at").values("created_at")[:1])
    row = (
        Workspace.objects.filter(pk=filters.workspace.pk)
        .annotate(
            in_history=early,
            in_history_for_times=earlier,
            earliest=Case(When(earlier, then=None), default=earliest, output_field=DateTimeField()),
        )
        .values("in_history", "in_history_for_times", "earliest")
        .get()
    )
    if row["in_history_for_times"]:
        return Baseline(previous, None, in_history=True)
    start = timezone.localtime(row["earliest"]).date() if row["earliest"] else None
    return Baseline(previous, start, in_history=row["in_history"], in_history_for_times=False)
