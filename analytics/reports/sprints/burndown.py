"""A sprint's burndown, day by day, and the board's velocity: tables and line or column charts.

The burndown is the sprint's numbers (``numbers``, the rules of ``placement``) as if the
sprint had closed at its start and at the end of each of its days (the last point is its
close, or now while it is active): so its last row *is* the sprint's numbers, and on
every day committed + added − removed − completed − not delivered = remaining.
Scope change shows as remaining work going up (added issues, re-estimates up) or down
(removed issues, re-estimates down) without a completion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from analytics.reports.line_charts import LineChart, line_chart
from analytics.reports.series_charts import SeriesChart, series_column_chart
from analytics.reports.sprints.numbers import SprintNumbers
from analytics.reports.sprints.replay import IssueEvents, numbers_at
from analytics.reports.sprints.selectors import SprintWindow
from analytics.reports.tables import Column, Row, Table

# A burndown has at most this many points: a longer sprint is drawn every few days.
MOST_POINTS = 62
# The velocity chart shows the last closed sprints in scope, up to this many.
VELOCITY_SPRINTS = 8
START = "Start"


@dataclass
class BurnDay:
    label: str  # "Start", or the day ("Jun 3")
    day: date
    moment: datetime  # the end of the day (the close, on its last day)
    numbers: SprintNumbers  # as if the sprint had closed at ``moment``


def _label(day: date) -> str:
    return f"{day:%b} {day.day}"


def burn_moments(window: SprintWindow) -> list[tuple[str, date, datetime]]:
    """(label, day, moment): the start, then the end of each day to the close."""
    start, close = window.start, window.close
    first, last = timezone.localtime(start).date(), timezone.localtime(close).date()
    step = max(1, math.ceil(((last - first).days + 1) / MOST_POINTS))
    moments = [(START, first, start)]
    day = first
    while day <= last:
        end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
        moment = min(end, close)
        if moment > start:
            moments.append((_label(day), day, moment))
        day += timedelta(days=step)
    if moments[-1][2] != close:
        moments.append((_label(last), last, close))
    return moments


def sprint_burndown(issues: list[IssueEvents], window: SprintWindow) -> list[BurnDay]:
    """The sprint's numbers at its start and at the end of each day, from the events of
    its issues (``replay.sprint_events``)."""
    moments = burn_moments(window)
    numbers = numbers_at(
        issues,
        start=window.start,
        moments=[moment for _l, _d, moment in moments],
        closed=window.closed,
    )
    return [
        BurnDay(label, day, moment, n)
        for (label, day, moment), n in zip(moments, numbers, strict=True)
    ]


BURNDOWN_COLUMNS = [
    Column("Day"),
    Column("Added", "int"),
    Column("Removed", "int"),
    Column("Completed", "int"),
    Column("Not delivered", "int"),
    Column("Remaining", "int"),
    Column("Completed points", "decimal"),
    Column("Remaining points", "decimal"),
]


def burndown_table(days: list[BurnDay]) -> Table:
    """Day by day, the totals so far (not the day's own changes)."""
    return Table(
        "burndown",
        "Burndown, day by day",
        BURNDOWN_COLUMNS,
        [
            Row(
                [
                    day.label,
                    day.numbers.added,
                    day.numbers.removed,
                    day.numbers.completed,
                    day.numbers.not_delivered,
                    day.numbers.remaining,
                    day.numbers.completed_points,
                    day.numbers.remaining_points,
                ]
            )
            for day in days
        ],
    )


def _ideal(total: float, count: int) -> list[float]:
    """A straight line from ``total`` at the start to 0 on the last day."""
    if count < 2:
        return [total] * count
    return [round(total * (1 - index / (count - 1)), 1) for index in range(count)]


def burndown_charts(days: list[BurnDay]) -> dict[str, LineChart]:
    if not days:
        return {}
    committed = days[0].numbers
    ideal = _ideal(committed.committed, len(days))
    ideal_points = _ideal(committed.committed_points, len(days))
    return {
        "issues": line_chart(
            "chart-burndown",
            "Burndown in issues",
            "Issues in the sprint and not completed, at the start and at the end of each day: "
            "completions take it down, added issues put it up.",
            ["Remaining", "Ideal"],
            [(day.label, [day.numbers.remaining, ideal[index]]) for index, day in enumerate(days)],
        ),
        "points": line_chart(
            "chart-burndown-points",
            "Burndown in story points",
            "Story points of the issues still to do, at their estimates at that moment: "
            "completions and removals take it down, added issues and larger estimates put it up.",
            ["Remaining points", "Ideal"],
            [
                (day.label, [day.numbers.remaining_points, ideal_points[index]])
                for index, day in enumerate(days)
            ],
        ),
    }


# ----------------------------------------------------------------------------- velocity


def velocity_rows(rows: list) -> list:
    """The last closed sprints of the report's rows (``SprintRow``), oldest first."""
    closed = [row for row in rows if row.sprint.state == "closed"]
    return closed[-VELOCITY_SPRINTS:]


def velocity_table(rows: list) -> Table:
    return Table(
        "velocity",
        "Velocity: committed and completed points",
        [
            Column("Sprint"),
            Column("Committed points", "decimal"),
            Column("Completed points", "decimal"),
            Column("Say/do, points (%)", "percent"),
        ],
        [
            Row(
                [
                    row.sprint.name,
                    row.numbers.committed_points,
                    row.numbers.completed_points,
                    row.numbers.say_do_points,
                ]
            )
            for row in rows
        ],
    )


def average_velocity(rows: list) -> float | None:
    return sum(r.numbers.completed_points for r in rows) / len(rows) if rows else None


def velocity_chart(rows: list) -> SeriesChart:
    average = average_velocity(rows)
    mean = "" if average is None else f" Average completed: {average:.1f} points a sprint."
    return series_column_chart(
        "chart-velocity",
        "Velocity: committed and completed points",
        f"For each of the last {VELOCITY_SPRINTS} closed sprints in the filters, the story "
        "points in it at its start (committed) and those of the issues completed in it, at "
        f"their estimates at its close.{mean}",
        ["Committed points", "Completed points"],
        [
            (row.sprint.name, [row.numbers.committed_points, row.numbers.completed_points])
            for row in rows
        ],
    )
