"""Where the effort goes: delivered work and work in progress per rule, and open epics.

Each aggregates in SQL, grouped by the rule that places the issue (``placement``), so
the work is one query whatever the number of issues. Epics are containers of work, not
work: they are left out of the shares and shown with their progress instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from analytics.investment.placement import placement
from analytics.investment.rules import RuleSet
from analytics.reports.filters import ReportFilters
from analytics.reports.selectors import delivered_in, report_issues
from integrations.models import Issue

OPEN_EPICS_SHOWN = 25
# Open epics read to find the most recently active (their children's activity counts).
OPEN_EPICS_READ = 500


@dataclass
class Totals:
    issues: int = 0
    points: int = 0  # the total score: the sum of the issues' scores
    story_points: float = 0.0

    def add(self, other: Totals) -> None:
        self.issues += other.issues
        self.points += other.points
        self.story_points += other.story_points

    def measure(self, name: str) -> float:
        return getattr(self, name)


def _work(filters: ReportFilters):
    return report_issues(filters).filter(hierarchy_level__lt=1)


# Aggregate names differ from the model's fields: an alias equal to a field name would
# stand for the field in GROUP BY.
TOTALS = {
    "n_issues": Count("id"),
    "n_points": Sum("score__score"),
    "n_story_points": Sum("story_points"),
}


def _totals(row: dict) -> Totals:
    return Totals(row["n_issues"], row["n_points"] or 0, row["n_story_points"] or 0.0)


def delivered_by_month(filters: ReportFilters, rules: RuleSet) -> dict[date, dict[str, Totals]]:
    """Work delivered in the period: month (its first day) → category → totals. One query."""
    rows = (
        _work(filters)
        .filter(delivered_in(filters.period))
        .annotate(month=TruncMonth("done_at"), rule=placement(rules))
        .values("month", "rule")
        .annotate(**TOTALS)
        .order_by()
    )
    months: dict[date, dict[str, Totals]] = defaultdict(lambda: defaultdict(Totals))
    for row in rows:
        month = row["month"]
        month = timezone.localtime(month).date() if isinstance(month, datetime) else month
        months[month][rules.category_of(row["rule"])].add(_totals(row))
    return months


def work_in_progress(filters: ReportFilters, rules: RuleSet) -> dict[str, Totals]:
    """Work in an in-progress status now, per category. One query."""
    rows = (
        _work(filters)
        .filter(status_category=Issue.Category.INDETERMINATE)
        .annotate(rule=placement(rules))
        .values("rule")
        .annotate(**TOTALS)
        .order_by()
    )
    totals: dict[str, Totals] = defaultdict(Totals)
    for row in rows:
        totals[rules.category_of(row["rule"])].add(_totals(row))
    return totals


@dataclass
class EpicProgress:
    id: int
    key: str
    summary: str
    site: str
    category: str
    children: int = 0
    delivered: int = 0
    not_delivered: int = 0
    points: float = 0.0
    delivered_points: float = 0.0
    last_activity: datetime | None = None

    @property
    def progress(self) -> float | None:
        """Children delivered of all its children."""
        return self.delivered / self.children if self.children else None


def open_epics(filters: ReportFilters, rules: RuleSet) -> tuple[list[EpicProgress], int]:
    """The most recently active open epics with their children's progress, and how many
    open epics there are. Two queries."""
    epics = list(
        report_issues(filters)
        .filter(hierarchy_level__gte=1)
        .exclude(status_category=Issue.Category.DONE)
        .annotate(rule=placement(rules))
        .order_by("-updated_at", "-pk")
        .values_list(
            "pk", "key", "summary", "connection_id", "connection__subdomain", "updated_at", "rule"
        )[:OPEN_EPICS_READ]
    )
    if not epics:
        return [], 0
    found = {
        (connection_id, key): EpicProgress(
            pk,
            key,
            summary,
            f"{site}.atlassian.net",
            rules.category_of(rule),
            last_activity=updated,
        )
        for pk, key, summary, connection_id, site, updated, rule in epics
    }
    children = (
        Issue.objects.filter(
            workspace=filters.workspace,
            removed_at__isnull=True,
            connection_id__in={connection_id for connection_id, _key in found},
            parent_key__in={key for _connection_id, key in found},
        )
        .values("connection_id", "parent_key")
        .annotate(
            n_children=Count("id"),
            n_delivered=Count("id", filter=Q(delivered=True)),
            n_not_delivered=Count("id", filter=Q(done_at__isnull=False, delivered=False)),
            n_points=Sum("story_points"),
            n_delivered_points=Sum("story_points", filter=Q(delivered=True)),
            last_change=Max("updated_at"),
        )
        .order_by()
    )
    for row in children:
        epic = found.get((row["connection_id"], row["parent_key"]))
        if epic is None:
            continue
        epic.children, epic.delivered = row["n_children"], row["n_delivered"]
        epic.not_delivered = row["n_not_delivered"]
        epic.points = row["n_points"] or 0.0
        epic.delivered_points = row["n_delivered_points"] or 0.0
        if row["last_change"] and row["last_change"] > epic.last_activity:
            epic.last_activity = row["last_change"]
    shown = sorted(found.values(), key=lambda e: (e.last_activity, e.id), reverse=True)
    return shown[:OPEN_EPICS_SHOWN], len(epics)
