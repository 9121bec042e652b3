"""Server-rendered SVG charts of several series: grouped or stacked columns, with a legend.

Like ``analytics.reports.charts`` (whose axis helpers they share): no JavaScript, every text
escaped, and a table with the same numbers beside each chart for screen readers. Each
series has its own colour class (``series-0``...), named in the legend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import mark_safe

from analytics.reports.charts import (
    COLUMN_HEIGHT,
    LABEL_LIMIT,
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

SERIES_COLOURS = 6
# Roughly how wide a character of an axis label is, in the chart's units (11px text).
CHARACTER_WIDTH = 6.5


def labels_that_fit(labels: list[str]) -> int:
    """How many category labels fit side by side under the plot without overlapping."""
    longest = max((min(len(label), LABEL_LIMIT) for label in labels), default=1)
    return max(1, int((WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / ((longest + 1) * CHARACTER_WIDTH)))


@dataclass(frozen=True)
class Segment:
    x: float
    y: float
    width: float
    height: float
    series: int
    label: str  # the category (column) it belongs to
    value: float


@dataclass
class SeriesChart:
    id: str
    title: str
    description: str
    series: list[str]
    width: int = WIDTH
    height: int = COLUMN_HEIGHT
    segments: list[Segment] = field(default_factory=list)
    # (value, y) of each gridline; (text, x) of each category label shown.
    ticks: list[tuple[float, float]] = field(default_factory=list)
    labels: list[tuple[str, float]] = field(default_factory=list)
    unit: str = ""

    @property
    def empty(self) -> bool:
        return not any(segment.value for segment in self.segments)

    @property
    def legend(self) -> list[tuple[str, str]]:
        """(CSS class, series name) pairs."""
        return [(f"series-{i % SERIES_COLOURS}", name) for i, name in enumerate(self.series)]

    def svg(self) -> str:
        bottom = self.height - MARGIN_BOTTOM
        parts = [svg_open(self, "series")]
        parts.append(value_grid(self.ticks, self.width, bottom, self.unit))
        for s in self.segments:
            name = escape(self.series[s.series])
            parts.append(
                f'<g class="bar series-{s.series % SERIES_COLOURS}"><title>{escape(s.label)}, '
                f"{name}: {_n(s.value)}{escape(self.unit)}</title>"
                f'<rect x="{_n(s.x)}" y="{_n(s.y)}" width="{_n(s.width)}" '
                f'height="{_n(s.height)}"/></g>'
            )
        for text, x in self.labels:
            parts.append(
                f'<text class="label" x="{_n(x)}" y="{bottom + 16}" '
                f'text-anchor="middle">{escape(text)}</text>'
            )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - texts escaped, numbers formatted here


def series_column_chart(
    chart_id: str,
    title: str,
    description: str,
    series: list[str],
    points: list[tuple[str, list[float]]],
    *,
    stacked: bool = False,
    unit: str = "",
    top: float | None = None,
) -> SeriesChart:
    """One column group (or stack) per (label, values), values in the order of ``series``.

    ``top`` fixes the scale (100 for shares in percent); otherwise a nice maximum.
    """
    chart = SeriesChart(chart_id, title, description, list(series), unit=unit)
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = COLUMN_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    bottom = MARGIN_TOP + plot_height
    highest = max(
        (sum(values) if stacked else max(values, default=0) for _label, values in points),
        default=0,
    )
    top = top or nice_maximum(highest)
    chart.ticks = [(_number(v), bottom - plot_height * v / top) for v in _tick_values(top)]
    if not points:
        return chart
    slot = plot_width / len(points)
    gap = min(10.0, slot * 0.2)
    every = max(1, math.ceil(len(points) / labels_that_fit([label for label, _ in points])))
    for index, (label, values) in enumerate(points):
        left = MARGIN_LEFT + index * slot + gap / 2
        inner = slot - gap
        if index % every == 0:
            short = label if len(label) <= LABEL_LIMIT else label[: LABEL_LIMIT - 1] + "…"
            chart.labels.append((short, left + inner / 2))
        base = bottom
        width = inner if stacked else inner / max(1, len(values))
        for number, value in enumerate(values):
            height = plot_height * (value or 0) / top
            x = left if stacked else left + number * width
            y = base - height if stacked else bottom - height
            chart.segments.append(
                Segment(
                    round(x, 2), round(y, 2), round(width, 2), round(height, 2),
                    number, label, value or 0,
                )
            )  # fmt: skip
            if stacked:
                base -= height
    return chart
