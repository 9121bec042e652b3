"""The Delivery analysis page put together: selectors in, tables, charts and cards out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.urls import reverse

from analytics.reports import charts, tables
from analytics.reports.filters import ReportFilters
from analytics.reports.flow import Flow, delivery_flow
from analytics.reports.line_charts import LineChart
from analytics.reports.people import GroupRow, contributor_rows, team_rows
from analytics.reports.percentiles import Durations
from analytics.reports.summary import DeliverySummary, delivery_summary
from analytics.reports.trends import Trends
from analytics.timing import format_duration


@dataclass
class DeliveryReport:
    filters: ReportFilters
    summary: DeliverySummary
    flow: Flow
    contributors: list[GroupRow]
    teams: list[GroupRow]
    trends: Trends

    def tables(self, *, sort: str = "name") -> dict[str, tables.Table]:
        query = self.filters.querystring

        # reverse() once per table, not once per row: the paths end with "<id>/".
        contributor_path = reverse("report_contributor", args=[0]).removesuffix("0/")
        team_path = reverse("report_team", args=[0]).removesuffix("0/")

        def url(path: str, pk: int) -> str:
            return f"{path}{pk}/?{query}"

        built = [
            tables.headline_table(self.summary),
            *self.trends.tables().values(),
            tables.cycle_time_table(self.flow),
            tables.score_table(self.summary),
            tables.team_points_table(self.teams),
            tables.contributor_table(
                self.contributors,
                sort=sort,
                url_for=lambda row: url(contributor_path, row.id),
            ),
            tables.team_table(self.teams, url_for=lambda row: url(team_path, row.id)),
        ]
        return {table.slug: table for table in built}

    def charts(self) -> dict[str, charts.Chart | LineChart]:
        return self.trends.charts() | {
            "cycle_time": charts.column_chart(
                "chart-cycle-time",
                "Cycle time distribution",
                "How many delivered issues took each span from start to done.",
                self.flow.cycle_buckets,
            ),
            "scores": charts.column_chart(
                "chart-scores",
                "Score distribution",
                "How many delivered issues scored in each range.",
                self.summary.score_buckets,
            ),
            "team_points": charts.row_chart(
                "chart-team-points",
                "Total score by team",
                "The sum of the scores of the issues each team delivered (not story points).",
                [(team.name, team.points) for team in sorted(self.teams, key=tables.by_name)],
            ),
        }


def delivery_report(filters: ReportFilters) -> DeliveryReport:
    """Five queries on PostgreSQL (one is whether the previous period lies inside the synced
    history), six on SQLite (the percentile list)."""
    # On SQLite, one list of the delivered issues' durations gives every selector its
    # percentiles; on PostgreSQL they are in the selectors' queries and this reads nothing.
    durations = Durations(filters, since=filters.period.previous().start)
    summary = delivery_summary(filters, durations=durations)
    flow = delivery_flow(filters, durations=durations)
    contributors = contributor_rows(filters, durations=durations)
    teams = team_rows(contributors, filters.choices.teams, team_id=filters.team_id)
    return DeliveryReport(filters, summary, flow, contributors, teams, Trends(flow.trend))


# What "Total score" is, wherever it is first shown.
TOTAL_SCORE_MEANS = "the sum of the delivered issues' scores; not story points"


def _day(day) -> str:
    return f"{day:%b} {day.day}"


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


def _average(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def headline_cards(summary: DeliverySummary) -> list[dict]:
    """The big numbers at the top of the page, each with its change on the previous period
    or why there is none (``comparison``)."""
    current = summary.current

    def card(label, value, attribute, *, note="", lower_is_better=False):
        change = summary.change(attribute)
        trend = ""
        if change.percent is not None and round(change.percent):
            better = (change.percent < 0) if lower_is_better else (change.percent > 0)
            trend = "better" if better else "worse"
        return {
            "label": label,
            "value": value,
            "change": change.label or None,
            "no_change_because": change.reason,
            "trend": trend,
            "note": note,
        }

    return [
        card(
            "Delivered issues",
            str(current.delivered),
            "delivered",
            note=f"Also closed as not delivered: {current.not_delivered}"
            if current.not_delivered
            else "",
        ),
        card(
            "Total score",
            str(current.points),
            "points",
            note=f"{TOTAL_SCORE_MEANS.capitalize()}.",
        ),
        card("Average score", _average(current.average_score), "average_score"),
        card(
            "Cycle time (median)",
            format_duration(_delta(current.cycle_median)),
            "cycle_median",
            note=f"85th percentile: {format_duration(_delta(current.cycle_p85))}",
            lower_is_better=True,
        ),
        card(
            "Lead time (median)",
            format_duration(_delta(current.lead_median)),
            "lead_median",
            note=f"85th percentile: {format_duration(_delta(current.lead_p85))}",
            lower_is_better=True,
        ),
        {
            "label": "Work in progress",
            "value": str(summary.work_in_progress),
            "change": None,
            "no_change_because": "",
            "trend": "",
            "note": "Issues in an in-progress status now",
        },
        card(
            "With a linked pull request",
            _percent(current.pull_request_rate),
            "pull_request_rate",
        ),
        card("With a linked document", _percent(current.document_rate), "document_rate"),
    ]


def _delta(seconds: float | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=seconds)
