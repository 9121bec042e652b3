"""The Delivery analysis page put together: selectors in, tables, charts and cards out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.urls import reverse

from analytics.reports import charts, tables
from analytics.reports.filters import ReportFilters
from analytics.reports.flow import Flow, delivery_flow
from analytics.reports.line_charts import LineChart
from analytics.reports.metrics import BY_ATTRIBUTE, HEADLINE, TOTAL_SCORE_MEANS, Metric
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
    history), six on SQLite (the list of durations, shared by the selectors)."""
    # On SQLite, one list of the delivered issues' durations gives every selector its
    # percentiles; on PostgreSQL they are in the selectors' queries and this reads nothing.
    durations = Durations(filters, since=filters.period.previous().start)
    summary = delivery_summary(filters, durations=durations)
    flow = delivery_flow(filters, durations=durations)
    contributors = contributor_rows(filters, durations=durations)
    teams = team_rows(contributors, filters.choices.teams, team_id=filters.team_id)
    return DeliveryReport(filters, summary, flow, contributors, teams, Trends(flow.trend))


def _card_value(value, kind: str) -> str:
    """A headline number as its card shows it."""
    if kind == "days":
        return format_duration(None if value is None else timedelta(seconds=value))
    if value is None:
        return "–"
    if kind == "percent":
        return f"{value * 100:.0f}%"
    if kind == "decimal":
        return f"{value:.1f}"
    return str(value)


def _card_note(metric: Metric, summary: DeliverySummary) -> str:
    current = summary.current
    if metric.detail:
        detail = BY_ATTRIBUTE[metric.detail]
        return f"85th percentile: {_card_value(getattr(current, detail.attribute), detail.kind)}"
    if metric.attribute == "delivered" and current.not_delivered:
        return f"Also closed as not delivered: {current.not_delivered}"
    if metric.attribute == "points":
        return f"{TOTAL_SCORE_MEANS.capitalize()}."
    if metric.attribute == "work_in_progress":
        return "Issues in an in-progress status now"
    return ""


def headline_cards(summary: DeliverySummary) -> list[dict]:
    """The big numbers at the top of the page (``metrics.HEADLINE``, those with a card),
    each with its change on the previous period or why there is none (``comparison``)."""
    cards = []
    for metric in HEADLINE:
        if not metric.card:
            continue
        card = {
            "label": metric.card,
            "change": None,
            "no_change_because": "",
            "trend": "",
            "note": _card_note(metric, summary),
        }
        if metric.now:
            card["value"] = _card_value(getattr(summary, metric.attribute), metric.kind)
            cards.append(card)
            continue
        card["value"] = _card_value(getattr(summary.current, metric.attribute), metric.kind)
        change = summary.change(metric.attribute)
        if change.percent is not None and round(change.percent):
            better = (change.percent < 0) if metric.lower_is_better else (change.percent > 0)
            card["trend"] = "better" if better else "worse"
        card["change"] = change.label or None
        card["no_change_because"] = change.reason
        cards.append(card)
    return cards
