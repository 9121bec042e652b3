"""Server-rendered SVG line charts: one line per series over categories (weeks, days).

Like ``analytics.reports.charts`` (whose axis helpers they share): no JavaScript, every text
escaped, and a table with the same numbers beside each chart. A value of None is a gap:
the line stops before it and starts again after it, so a week with too few issues shows
as a break, never as a spike. Gaps are shaded and say why in their tooltip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import mark_safe

from analytics.reports.charts import (
    COLUMN_HEIGHT,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    WIDTH,
    _n,
    _number,
    _tick_values,
    nice_maximum,
    svg_open,
    value_grid,
)
from analytics.reports.series_charts import LABEL_LIMIT, SERIES_COLOURS, labels_that_fit


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # the category
    value: float


@dataclass
class LineChart:
    id: str
    title: str
    description: str
    series: list[str]
    width: int = WIDTH
    height: int = COLUMN_HEIGHT
    # Per series, its runs of consecutive points (a gap ends a run).
    runs: list[list[list[Point]]] = field(default_factory=list)
    # (value, y) of each gridline; (text, x) of each category label shown.
    ticks: list[tuple[float, float]] = field(default_factory=list)
    labels: list[tuple[str, float]] = field(default_factory=list)
    # (x, width, why) of each category without a value.
    gaps: list[tuple[float, float, str]] = field(default_factory=list)
    unit: str = ""
    # One line under the chart: what a gap means, when there is one.
    note: str = ""

    @property
    def empty(self) -> bool:
        return not any(point.value for runs in self.runs for run in runs for point in run)

    @property
    def caption(self) -> str:
        """What the chart shows, in a line under its title."""
        return f"{self.description} {self.note}".strip()

    @property
    def legend(self) -> list[tuple[str, str]]:
        if len(self.series) < 2:
            return []
        return [(f"series-{i % SERIES_COLOURS}", name) for i, name in enumerate(self.series)]

    @property
    def points(self) -> list[list[Point]]:
        """Per series, every point drawn (for tests and tooltips)."""
        return [[point for run in runs for point in run] for runs in self.runs]

    def svg(self) -> str:
        bottom = self.height - MARGIN_BOTTOM
        parts = [svg_open(self, "line")]
        for x, width, why in self.gaps:
            parts.append(
                f'<g class="gap"><title>{escape(why)}</title>'
                f'<rect x="{_n(x)}" y="{MARGIN_TOP}" width="{_n(width)}" '
                f'height="{bottom - MARGIN_TOP}"/></g>'
            )
        parts.append(value_grid(self.ticks, self.width, bottom, self.unit))
        for number, runs in enumerate(self.runs):
            colour = f"series-{number % SERIES_COLOURS}"
            name = escape(self.series[number])
            for run in runs:
                if len(run) > 1:
                    path = " ".join(f"{_n(p.x)},{_n(p.y)}" for p in run)
                    parts.append(f'<polyline class="line {colour}" points="{path}"/>')
                for p in run:
                    parts.append(
                        f'<g class="dot {colour}"><title>{escape(p.label)}, {name}: '
                        f"{_n(p.value)}{escape(self.unit)}</title>"
                        f'<circle cx="{_n(p.x)}" cy="{_n(p.y)}" r="3"/></g>'
                    )
        for text, x in self.labels:
            parts.append(
                f'<text class="label" x="{_n(x)}" y="{bottom + 16}" '
                f'text-anchor="middle">{escape(text)}</text>'
            )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - texts escaped, numbers formatted here


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    series: list[str],
    points: list[tuple[str, list[float | None]]],
    *,
    gaps: dict[str, str] | None = None,
    unit: str = "",
    note: str = "",
) -> LineChart:
    """One line per series through (label, values), values in the order of ``series``.

    A None value draws nothing: the line breaks there. ``gaps`` maps a category label to
    why it has no value (shaded, with that reason as its tooltip).
    """
    chart = LineChart(chart_id, title, description, list(series), unit=unit, note=note)
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = COLUMN_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    bottom = MARGIN_TOP + plot_height
    highest = max(
        (value for _label, values in points for value in values if value is not None), default=0
    )
    top = nice_maximum(highest)
    chart.ticks = [(_number(v), bottom - plot_height * v / top) for v in _tick_values(top)]
    chart.runs = [[] for _ in series]
    if not points:
        return chart
    slot = plot_width / len(points)
    every = max(1, math.ceil(len(points) / labels_that_fit([label for label, _ in points])))
    gaps = gaps or {}
    for index, (label, values) in enumerate(points):
        x = MARGIN_LEFT + index * slot + slot / 2
        if index % every == 0:
            short = label if len(label) <= LABEL_LIMIT else label[: LABEL_LIMIT - 1] + "…"
            chart.labels.append((short, round(x, 2)))
        if label in gaps:
            chart.gaps.append((round(x - slot / 2, 2), round(slot, 2), f"{label}: {gaps[label]}"))
        for number, value in enumerate(values):
            runs = chart.runs[number]
            if value is None:
                if runs and runs[-1]:
                    runs.append([])
                continue
            if not runs:
                runs.append([])
            y = bottom - plot_height * value / top
            runs[-1].append(Point(round(x, 2), round(y, 2), label, value))
    chart.runs = [[run for run in runs if run] for runs in chart.runs]
    return chart
