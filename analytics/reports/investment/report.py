"""The Investment report: the share of delivered work per category per month (by issues,
total score or story points), the work-in-progress mix, and open epics' progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.urls import reverse

from analytics.investment.placement import rule_set
from analytics.investment.rules import RuleSet
from analytics.reports import charts
from analytics.reports.investment.filters import MEASURES, InvestmentFilters
from analytics.reports.investment.selectors import (
    EpicProgress,
    Totals,
    delivered_by_month,
    open_epics,
    work_in_progress,
)
from analytics.reports.series_charts import SeriesChart, series_column_chart
from analytics.reports.tables import Column, Row, Table


def _months(first: date, last: date) -> list[date]:
    month, months = first.replace(day=1), []
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _percent(part: float, whole: float) -> float:
    return round(100 * part / whole, 1) if whole else 0


@dataclass
class InvestmentReport:
    filters: InvestmentFilters
    rules: RuleSet
    months: dict[date, dict[str, Totals]]
    wip: dict[str, Totals]
    epics: list[EpicProgress]
    open_epic_count: int
    period_totals: dict[str, Totals] = field(default_factory=dict)

    def __post_init__(self):
        for by_category in self.months.values():
            for category, totals in by_category.items():
                self.period_totals.setdefault(category, Totals()).add(totals)

    @property
    def categories(self) -> list[str]:
        """The workspace's categories in their order."""
        return list(self.rules.categories)

    @property
    def measure(self) -> str:
        return self.filters.measure

    def month_list(self) -> list[date]:
        return _months(self.filters.period.first, self.filters.period.last)

    def tables(self, *, epic_url=None) -> dict[str, Table]:
        label = MEASURES[self.measure]
        period_whole = {
            name: sum(t.measure(name) for t in self.period_totals.values()) for name in MEASURES
        }
        mix = Table(
            "mix",
            "Delivered work per category, whole period",
            [Column("Category")]
            + [
                column
                for name, title in MEASURES.items()
                for column in (
                    Column(title, "decimal" if name == "story_points" else "int"),
                    Column(f"{title} (%)", "percent"),
                )
            ],
        )
        for category in self.categories:
            totals = self.period_totals.get(category, Totals())
            values = [category]
            for name in MEASURES:
                values += [totals.measure(name), _share(totals.measure(name), period_whole[name])]
            mix.rows.append(Row(values))

        monthly = Table(
            "months",
            f"Share of delivered work per month, by {label.lower()}",
            [Column("Month")]
            + [Column(f"{category} (%)", "percent") for category in self.categories]
            + [
                Column(
                    f"{label}, all categories",
                    "decimal" if self.measure == "story_points" else "int",
                )
            ],
        )
        for month in self.month_list():
            by_category = self.months.get(month, {})
            whole = sum(t.measure(self.measure) for t in by_category.values())
            monthly.rows.append(
                Row(
                    [f"{month:%b %Y}"]
                    + [
                        _share(by_category.get(c, Totals()).measure(self.measure), whole)
                        for c in self.categories
                    ]
                    + [whole]
                )
            )

        wip_whole = sum(t.issues for t in self.wip.values())
        wip = Table(
            "wip",
            "Work in progress now per category",
            [
                Column("Category"),
                Column("Issues in progress", "int"),
                Column("Share (%)", "percent"),
                Column("Story points", "decimal"),
            ],
            [
                Row(
                    [
                        category,
                        self.wip.get(category, Totals()).issues,
                        _share(self.wip.get(category, Totals()).issues, wip_whole),
                        self.wip.get(category, Totals()).story_points,
                    ]
                )
                for category in self.categories
            ],
        )

        epics = Table(
            "epics",
            "Open epics",
            [
                Column("Epic"),
                Column("Summary"),
                Column("Category"),
                Column("Site"),
                Column("Children", "int"),
                Column("Delivered", "int"),
                Column("Closed, not delivered", "int"),
                Column("Progress (%)", "percent"),
                Column("Story points", "decimal"),
                Column("Delivered story points", "decimal"),
                Column("Last activity", "date"),
            ],
            [
                Row(
                    [
                        epic.key,
                        epic.summary,
                        epic.category,
                        epic.site,
                        epic.children,
                        epic.delivered,
                        epic.not_delivered,
                        epic.progress,
                        epic.points,
                        epic.delivered_points,
                        epic.last_activity.date() if epic.last_activity else None,
                    ],
                    url=epic_url(epic) if epic_url else "",
                )
                for epic in self.epics
            ],
        )
        return {table.slug: table for table in (mix, monthly, wip, epics)}

    def charts(self) -> dict[str, SeriesChart | charts.Chart]:
        label = MEASURES[self.measure].lower()
        points = []
        for month in self.month_list():
            by_category = self.months.get(month, {})
            whole = sum(t.measure(self.measure) for t in by_category.values())
            points.append(
                (
                    f"{month:%b %Y}",
                    [
                        _percent(by_category.get(c, Totals()).measure(self.measure), whole)
                        for c in self.categories
                    ],
                )
            )
        whole = sum(t.measure(self.measure) for t in self.period_totals.values())
        return {
            "months": series_column_chart(
                "chart-investment-months",
                f"Share of delivered work per month, by {label}",
                f"Each month's delivered work split by category, in percent of its {label}.",
                self.categories,
                points,
                stacked=True,
                unit="%",
                top=100,
            ),
            "mix": charts.row_chart(
                "chart-investment-mix",
                f"Share of the period's delivered work, by {label} (%)",
                f"The whole period's delivered work per category, in percent of its {label}.",
                [
                    (c, _percent(self.period_totals.get(c, Totals()).measure(self.measure), whole))
                    for c in self.categories
                ],
            ),
            "wip": charts.row_chart(
                "chart-investment-wip",
                "Work in progress now",
                "Issues in an in-progress status now, per category.",
                [(c, self.wip.get(c, Totals()).issues) for c in self.categories],
            ),
        }


def investment_report(filters: InvestmentFilters) -> InvestmentReport:
    """Four queries after the filters: the rules, delivered work, work in progress, epics
    (two)."""
    rules = rule_set(filters.workspace)
    epics, count = open_epics(filters.report, rules)
    return InvestmentReport(
        filters=filters,
        rules=rules,
        months=delivered_by_month(filters.report, rules),
        wip=work_in_progress(filters.report, rules),
        epics=epics,
        open_epic_count=count,
    )


def epic_url_builder():
    path = reverse("issue_detail", args=[0]).removesuffix("0/")
    return lambda epic: f"{path}{epic.id}/"
