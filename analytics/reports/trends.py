"""The weekly trends of the Delivery report and the team pages: tables and line charts.

The numbers are ``flow.delivery_flow``'s weeks (what each means: ``MEANS``, and the
module's docstring). A week with too few issues for a median is a gap in the line, and its
table row says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analytics.reports.flow import MIN_WEEK_ISSUES, TrendWeek, too_few
from analytics.reports.line_charts import LineChart, line_chart
from analytics.reports.tables import SECONDS_PER_DAY, Column, Row, Table

# --------------------------------------------------------------------- tables and charts

# What each trend means, in one line (under its chart, and in the docs).
MEANS = {
    "throughput": "Issues delivered each week (Monday to Sunday).",
    "cycle_trend": (
        "Median and 85th percentile days from the first move to In Progress to completion, "
        "of the issues delivered each week."
    ),
    "lead_trend": (
        "Median and 85th percentile days from creation to completion, of the issues "
        "delivered each week."
    ),
    "wip_trend": (
        "Issues started and not yet completed at the end of each week (now, for this week)."
    ),
}
GAP_NOTE = f"A week with fewer than {MIN_WEEK_ISSUES} issues has no point: the line breaks there."


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / SECONDS_PER_DAY, 1)


@dataclass
class Trends:
    weeks: list[TrendWeek] = field(default_factory=list)

    def tables(self) -> dict[str, Table]:
        built = [
            Table(
                "throughput",
                "Delivered issues per week",
                [Column("Week starting", "date"), Column("Delivered issues", "int")],
                [Row([w.monday, w.delivered]) for w in self.weeks],
            ),
            self._duration_table("cycle_trend", "Cycle time per week", "cycle", "cycled"),
            self._duration_table("lead_trend", "Lead time per week", "lead", "led"),
            Table(
                "wip_trend",
                "Work in progress at each week's end",
                [Column("Week starting", "date"), Column("Issues in progress", "int")],
                [Row([w.monday, w.wip]) for w in self.weeks],
            ),
        ]
        return {table.slug: table for table in built}

    def _duration_table(self, slug: str, title: str, name: str, count: str) -> Table:
        return Table(
            slug,
            title,
            [
                Column("Week starting", "date"),
                Column("Delivered issues with one", "int"),
                Column("Median (days)", "days"),
                Column("85th percentile (days)", "days"),
                Column("Note"),
            ],
            [
                Row(
                    [
                        w.monday,
                        getattr(w, count),
                        getattr(w, f"{name}_median"),
                        getattr(w, f"{name}_p85"),
                        too_few(getattr(w, count)),
                    ]
                )
                for w in self.weeks
            ],
        )

    def charts(self, prefix: str = "chart") -> dict[str, LineChart]:
        weeks = self.weeks

        def gaps(count: str) -> dict[str, str]:
            return {
                w.label: too_few(getattr(w, count)) for w in weeks if too_few(getattr(w, count))
            }

        def durations(name: str) -> list[tuple[str, list]]:
            return [
                (w.label, [_days(getattr(w, f"{name}_median")), _days(getattr(w, f"{name}_p85"))])
                for w in weeks
            ]

        return {
            "throughput": line_chart(
                f"{prefix}-throughput",
                "Delivered issues per week",
                MEANS["throughput"],
                ["Delivered issues"],
                [(w.label, [w.delivered]) for w in weeks],
            ),
            "cycle_trend": line_chart(
                f"{prefix}-cycle-trend",
                "Cycle time per week",
                MEANS["cycle_trend"],
                ["Median", "85th percentile"],
                durations("cycle"),
                gaps=gaps("cycled"),
                unit="d",
                note=GAP_NOTE,
            ),
            "lead_trend": line_chart(
                f"{prefix}-lead-trend",
                "Lead time per week",
                MEANS["lead_trend"],
                ["Median", "85th percentile"],
                durations("lead"),
                gaps=gaps("led"),
                unit="d",
                note=GAP_NOTE,
            ),
            "wip_trend": line_chart(
                f"{prefix}-wip-trend",
                "Work in progress at each week's end",
                MEANS["wip_trend"],
                ["Issues in progress"],
                [(w.label, [w.wip]) for w in weeks],
            ),
        }
