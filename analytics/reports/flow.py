"""Flow per ISO week (throughput, cycle and lead time, work in progress) and the cycle time
distribution: one query.

Per ISO week (Monday to Sunday, in the current time zone) of the period:

- *throughput*: issues delivered that week;
- *cycle time* and *lead time*: the median and 85th percentile of the issues delivered that
  week, computed only from at least ``MIN_WEEK_ISSUES`` issues; a week with fewer has none
  (a gap in its chart, and its table says why) rather than a spike from one issue;
- *work in progress*: issues started (first moved to In Progress) before the week's end and
  not completed by then; for the week in progress, now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from analytics.reports.aggregates import (
    MedianAndP85,
    cycle_seconds,
    lead_seconds,
    median_and_p85,
    percentiles_in_sql,
)
from analytics.reports.filters import ReportFilters
from analytics.reports.percentiles import Durations, durations_for
from analytics.reports.selectors import (
    CYCLE_BUCKETS,
    delivered_in,
    report_issues,
    with_cycle_time,
    with_lead_time,
)
from analytics.timing import percentile

# A week's median and 85th percentile need at least this many issues; with fewer, one
# slow issue would make a spike, so the week is a gap instead.
MIN_WEEK_ISSUES = 3
WEEK = timedelta(days=7)


@dataclass
class TrendWeek:
    monday: date
    delivered: int = 0
    cycled: int = 0  # delivered issues with a cycle time
    led: int = 0  # delivered issues with a lead time
    # Seconds; None when fewer than MIN_WEEK_ISSUES issues have one (``too_few``).
    cycle_median: float | None = None
    cycle_p85: float | None = None
    lead_median: float | None = None
    lead_p85: float | None = None
    wip: int = 0  # issues in progress at the week's end (now, for this week)

    @property
    def label(self) -> str:
        return f"{self.monday:%b} {self.monday.day}"


def too_few(count: int) -> str:
    """Why a week has no median, or "" when it has enough issues."""
    if count >= MIN_WEEK_ISSUES:
        return ""
    if count == 0:
        return "No issues: no point drawn"
    return f"Too few issues ({count}, fewer than {MIN_WEEK_ISSUES}): no point drawn"


@dataclass
class Flow:
    trend: list[TrendWeek]  # the period's weeks, oldest first
    cycle_buckets: list[tuple[str, int]]  # (label, delivered issues with that cycle time)
    weeks: list[tuple] = field(init=False)  # (Monday, issues delivered that ISO week)

    def __post_init__(self):
        self.weeks = [(week.monday, week.delivered) for week in self.trend]


def _mondays(filters: ReportFilters) -> list[date]:
    first, last = filters.period.first, filters.period.last
    monday = first - timedelta(days=first.weekday())
    mondays = []
    while monday <= last:
        mondays.append(monday)
        monday += WEEK
    return mondays


def _week_end(monday: date, filters: ReportFilters, now: datetime) -> datetime:
    end = timezone.make_aware(datetime.combine(monday + WEEK, time.min))
    return min(end, filters.period.end, now)


def _in_bucket(low, high) -> Q:
    condition = with_cycle_time()
    if low is not None:
        condition &= Q(done_at__gte=F("started_at") + low)
    if high is not None:
        condition &= Q(done_at__lt=F("started_at") + high)
    return condition


def _in_progress_at(end: datetime) -> Q:
    return Q(started_at__lt=end) & (Q(done_at__isnull=True) | Q(done_at__gte=end))


def delivery_flow(
    filters: ReportFilters, *, durations: Durations | None = None, now: datetime | None = None
) -> Flow:
    """The period's weeks and the cycle time distribution, in one query (and on SQLite the
    list of durations, unless ``durations`` has it).

    Grouped by the week of completion, over the issues delivered in the period and those in
    progress at some week's end: counts, percentiles (PostgreSQL) and the distribution are
    filtered to the delivered ones; work in progress is one conditional count per week end,
    summed over the groups.
    """
    weeks = {monday: TrendWeek(monday) for monday in _mondays(filters)}
    ends = [_week_end(monday, filters, now or timezone.now()) for monday in weeks]
    delivered = delivered_in(filters.period)
    cycle, lead = delivered & with_cycle_time(), delivered & with_lead_time()
    aggregates = {
        # Not "delivered": that is a field of the issue, which the filters name.
        "throughput": Count("id", filter=delivered),
        "cycled": Count("id", filter=cycle),
        "led": Count("id", filter=lead),
    }
    for index, (_label, low, high) in enumerate(CYCLE_BUCKETS):
        aggregates[f"bucket_{index}"] = Count("id", filter=delivered & _in_bucket(low, high))
    for index, end in enumerate(ends):
        aggregates[f"wip_{index}"] = Count("id", filter=_in_progress_at(end))
    if percentiles_in_sql():
        aggregates |= {
            "cycle": MedianAndP85(cycle_seconds(), filter=cycle),
            "lead": MedianAndP85(lead_seconds(), filter=lead),
        }
    in_progress = (
        Q(started_at__lt=max(ends)) & (Q(done_at__isnull=True) | Q(done_at__gte=min(ends)))
        if ends
        else Q(pk__in=[])
    )
    rows = (
        report_issues(filters)
        .filter(delivered | in_progress)
        .annotate(week=TruncWeek("done_at"))
        .values("week")
        .annotate(**aggregates)
        .order_by()
    )
    buckets = [0] * len(CYCLE_BUCKETS)
    for row in rows:
        for index in range(len(CYCLE_BUCKETS)):
            buckets[index] += row[f"bucket_{index}"]
        for index, week in enumerate(weeks.values()):
            week.wip += row[f"wip_{index}"]
        if not row["throughput"]:
            continue
        week = weeks.get(timezone.localtime(row["week"]).date())
        if week is not None:
            week.delivered, week.cycled, week.led = row["throughput"], row["cycled"], row["led"]
            if "cycle" in row:
                for name, value in (
                    median_and_p85(row, "cycle") | median_and_p85(row, "lead")
                ).items():
                    setattr(week, name, value)
    if Durations.needed():
        by_week = durations_for(filters, durations, filters.period.start).by_week()
        for monday, week in weeks.items():
            cycles, leads = by_week.get(monday, ([], []))
            week.cycle_median, week.cycle_p85 = percentile(cycles, 0.5), percentile(cycles, 0.85)
            week.lead_median, week.lead_p85 = percentile(leads, 0.5), percentile(leads, 0.85)
    for week in weeks.values():
        if too_few(week.cycled):
            week.cycle_median = week.cycle_p85 = None
        if too_few(week.led):
            week.lead_median = week.lead_p85 = None
    labels = [label for label, _low, _high in CYCLE_BUCKETS]
    return Flow(list(weeks.values()), list(zip(labels, buckets, strict=True)))
