"""The headline numbers: this period against the one before, and work in progress."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from analytics.reports.aggregates import (
    MedianAndP85,
    cycle_seconds,
    lead_seconds,
    median_and_p85,
    percentiles_in_sql,
)
from analytics.reports.comparison import Baseline, Change, baseline
from analytics.reports.filters import Period, ReportFilters
from analytics.reports.percentiles import Durations, durations_for
from analytics.reports.selectors import (
    CLOSED_CURRENT,
    CLOSED_PREVIOUS,
    CURRENT,
    PREVIOUS,
    SCORE_BUCKETS,
    SCORE_LABELS,
    report_issues,
    which_period,
    with_cycle_time,
    with_lead_time,
)
from integrations.models import Issue


class DeliveryRates:
    """Rates derived from the counts of delivered issues (shared by every numbers row)."""

    delivered: int
    points: int
    scored: int
    with_pull_requests: int
    with_documents: int

    @property
    def average_score(self) -> float | None:
        return self.points / self.scored if self.scored else None

    @property
    def pull_request_rate(self) -> float | None:
        return self.with_pull_requests / self.delivered if self.delivered else None

    @property
    def document_rate(self) -> float | None:
        return self.with_documents / self.delivered if self.delivered else None


@dataclass
class PeriodNumbers(DeliveryRates):
    delivered: int = 0
    points: int = 0
    scored: int = 0
    with_pull_requests: int = 0
    with_documents: int = 0
    # Delivered issues with a cycle time: what the cycle time percentiles are computed from.
    cycled: int = 0
    # Completed in the period but closed with a not-delivered resolution (Won't Do...).
    not_delivered: int = 0
    # Seconds.
    cycle_median: float | None = None
    cycle_p85: float | None = None
    lead_median: float | None = None
    lead_p85: float | None = None


# Each headline number's issues, for the comparison rule: (the count of the issues the
# number is computed from, what they are called).
ISSUES_BEHIND = {
    "delivered": ("delivered", "issues"),
    "points": ("delivered", "issues"),
    "average_score": ("scored", "scored issues"),
    "cycle_median": ("cycled", "issues with a cycle time"),
    "cycle_p85": ("cycled", "issues with a cycle time"),
    "lead_median": ("delivered", "issues"),
    "lead_p85": ("delivered", "issues"),
    "pull_request_rate": ("delivered", "issues"),
    "document_rate": ("delivered", "issues"),
}


# The headline numbers that are times: they compare only with a longer history.
TIMES = frozenset({"cycle_median", "cycle_p85", "lead_median", "lead_p85"})


@dataclass
class DeliverySummary:
    period: Period
    current: PeriodNumbers
    previous: PeriodNumbers
    work_in_progress: int
    # Whether the previous period may be compared with (comparison.py).
    baseline: Baseline
    score_buckets: list[tuple[str, int]] = field(default_factory=list)

    @property
    def unscored(self) -> int:
        return self.current.delivered - self.current.scored

    def change(self, attribute: str) -> Change:
        """The change of one headline number (a ``PeriodNumbers`` attribute) on the
        previous period, or why there is none."""
        count, counted = ISSUES_BEHIND[attribute]
        return self.baseline.change(
            getattr(self.current, attribute),
            getattr(self.previous, attribute),
            current_issues=getattr(self.current, count),
            previous_issues=getattr(self.previous, count),
            counted=counted,
            time=attribute in TIMES,
        )


def _summary_aggregates() -> dict:
    """Aggregates of one group: the issues delivered in one period, or the others."""
    aggregates = {
        "delivered": Count("id"),
        "work_in_progress": Count("id", filter=Q(status_category=Issue.Category.INDETERMINATE)),
        "points": Sum("score__score"),
        "scored": Count("score__score"),
        "with_pull_requests": Count("id", filter=Q(pull_request_count__gt=0)),
        "with_documents": Count("id", filter=Q(document_count__gt=0)),
        "cycled": Count("id", filter=with_cycle_time()),
    }
    if percentiles_in_sql():
        cycle, lead = with_cycle_time(), with_lead_time()
        aggregates |= {
            "cycle": MedianAndP85(cycle_seconds(), filter=cycle),
            "lead": MedianAndP85(lead_seconds(), filter=lead),
        }
    # Cumulative counts (below 20, below 40...): one comparison per bucket and issue.
    for index, (_label, _low, high) in enumerate(SCORE_BUCKETS):
        aggregates[f"score_below_{index}"] = Count("id", filter=Q(score__score__lt=high))
    return aggregates


def _numbers(row: dict | None) -> PeriodNumbers:
    numbers = PeriodNumbers()
    row = row or {}
    if percentiles_in_sql():
        row = row | median_and_p85(row, "cycle") | median_and_p85(row, "lead")
    for name in PeriodNumbers.__dataclass_fields__:
        value = row.get(name)
        if value is not None:
            setattr(numbers, name, value)
    return numbers


def delivery_summary(
    filters: ReportFilters, *, durations: Durations | None = None
) -> DeliverySummary:
    """Headline numbers of the period and of the one before it, and the score spread,
    percentiles included (on SQLite from ``durations``, or a list of its own).

    One query grouped by period and outcome (delivered or closed as not delivered, this
    period or the one before, and the rest: work in progress), rather than one filtered
    aggregate per number and period; and one more for whether the previous period lies
    inside the synced history (``comparison.baseline``).
    """
    period, previous = filters.period, filters.period.previous()
    wip = Q(status_category=Issue.Category.INDETERMINATE)
    rows = {
        row["which"]: row
        for row in report_issues(filters)
        .filter(Q(done_at__gte=previous.start, done_at__lt=period.end) | wip)
        .annotate(which=which_period(filters))
        .values("which")
        .annotate(**_summary_aggregates())
    }
    current = rows.get(CURRENT, {})
    numbers = _numbers(current)
    earlier = _numbers(rows.get(PREVIOUS))
    # In the closed-not-delivered groups, "delivered" counts the issues of the group.
    numbers.not_delivered = rows.get(CLOSED_CURRENT, {}).get("delivered", 0)
    earlier.not_delivered = rows.get(CLOSED_PREVIOUS, {}).get("delivered", 0)
    if Durations.needed():
        listed = durations_for(filters, durations, previous.start)
        for which, part in ((numbers, period), (earlier, previous)):
            for name, value in listed.percentiles(part.start, part.end).items():
                setattr(which, name, value)
    below = [current.get(f"score_below_{i}", 0) for i in range(len(SCORE_BUCKETS))]
    counts = [high - low for low, high in itertools.pairwise([0, *below, numbers.scored])]
    return DeliverySummary(
        period=period,
        current=numbers,
        previous=earlier,
        work_in_progress=sum(row["work_in_progress"] for row in rows.values()),
        score_buckets=list(zip(SCORE_LABELS, counts, strict=True)),
        baseline=baseline(filters),
    )
