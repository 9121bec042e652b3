"""Server-rendered SVG charts: geometry and markup, no JavaScript, nothing from a CDN.

Every chart is drawn next to a table with the same numbers
(``templates/analytics/includes/chart.html``) for screen readers. The markup is
written here rather than in a template: it is a few hundred small elements, and
template loops over them cost more than the report's queries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import mark_safe

WIDTH = 640
COLUMN_HEIGHT = 220
MARGIN_LEFT = 44
MARGIN_RIGHT = 12
MARGIN_TOP = 14
MARGIN_BOTTOM = 36
ROW_HEIGHT = 26
LABEL_WIDTH = 170
# A category label under a column is cut to this many characters (with "…"), the full
# name in its tooltip: sprint names run longer than a column is wide.
LABEL_LIMIT = 16


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int | float
    # Where the category label and the value are written.
    label_x: float = 0
    label_y: float = 0
    value_x: float = 0
    value_y: float = 0
    show_label: bool = True
    show_value: bool = True


@dataclass(frozen=True)
class Tick:
    value: int | float
    x1: float
    y1: float
    x2: float
    y2: float
    text_x: float
    text_y: float


@dataclass
class Chart:
    id: str
    title: str
    description: str
    kind: str  # "columns" or "rows"
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    baseline: tuple[float, float, float, float] = (0, 0, 0, 0)

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)

    def svg(self) -> str:
        """The chart as an inline ``<svg>`` element; every text is escaped."""
        parts = [svg_open(self, self.kind)]
        for tick in self.ticks:
            parts.append(
                f'<line class="grid" x1="{_n(tick.x1)}" y1="{_n(tick.y1)}" '
                f'x2="{_n(tick.x2)}" y2="{_n(tick.y2)}"/>'
                f'<text class="tick" x="{_n(tick.text_x)}" y="{_n(tick.text_y)}" '
                f'text-anchor="end">{_n(tick.value)}</text>'
            )
        x1, y1, x2, y2 = self.baseline
        parts.append(
            f'<line class="axis" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}"/>'
        )
        anchor = "end" if self.kind == "rows" else "middle"
        value_anchor = "start" if self.kind == "rows" else "middle"
        for bar in self.bars:
            label, value = escape(bar.label), _n(bar.value)
            parts.append(
                f'<g class="bar"><title>{label}: {value}</title>'
                f'<rect x="{_n(bar.x)}" y="{_n(bar.y)}" width="{_n(bar.width)}" '
                f'height="{_n(bar.height)}" rx="2"/></g>'
            )
            if bar.show_label:
                text = label
                if self.kind == "columns" and len(bar.label) > LABEL_LIMIT:
                    text = f"<title>{label}</title>{escape(bar.label[: LABEL_LIMIT - 1])}…"
                parts.append(
                    f'<text class="label" x="{_n(bar.label_x)}" y="{_n(bar.label_y)}" '
                    f'text-anchor="{anchor}">{text}</text>'
                )
            if bar.show_value:
                parts.append(
                    f'<text class="value" x="{_n(bar.value_x)}" y="{_n(bar.value_y)}" '
                    f'text-anchor="{value_anchor}">{value}</text>'
                )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - texts escaped, numbers formatted here


def svg_open(chart, kind: str) -> str:
    """A chart's ``<svg>`` start tag with its title and description, for screen readers."""
    title_id, desc_id = f"{chart.id}-title", f"{chart.id}-desc"
    return (
        f'<svg class="chart-svg chart-{kind}" viewBox="0 0 {chart.width} {chart.height}" '
        f'role="img" aria-labelledby="{title_id} {desc_id}" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{title_id}">{escape(chart.title)}</title>'
        f'<desc id="{desc_id}">{escape(chart.description)} '
        "The table below the chart has the same numbers.</desc>"
    )


def value_grid(ticks: list[tuple[float, float]], width: int, bottom: float, unit: str) -> str:
    """Horizontal grid lines with their values on the left, and the x axis at ``bottom``."""
    parts = [
        f'<line class="grid" x1="{MARGIN_LEFT}" y1="{_n(y)}" '
        f'x2="{width - MARGIN_RIGHT}" y2="{_n(y)}"/>'
        f'<text class="tick" x="{MARGIN_LEFT - 6}" y="{_n(y + 4)}" '
        f'text-anchor="end">{_n(value)}{escape(unit)}</text>'
        for value, y in ticks
    ]
    parts.append(
        f'<line class="axis" x1="{MARGIN_LEFT}" y1="{bottom}" '
        f'x2="{width - MARGIN_RIGHT}" y2="{bottom}"/>'
    )
    return "".join(parts)


def _n(value: float) -> str:
    """A number for SVG markup: no locale, no trailing ".0"."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def nice_maximum(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _tick_values(top: float) -> list[float]:
    """Gridline values from 0 to ``top`` in whole steps (``top`` is a nice maximum)."""
    count = int(top) if top <= 5 else 5
    step = top / count
    return [round(step * i, 6) for i in range(count + 1)]


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 1)


def column_chart(
    chart_id: str,
    title: str,
    description: str,
    points: list[tuple[str, int | float]],
    *,
    max_labels: int = 14,
) -> Chart:
    """Vertical bars, one per (label, value), left to right."""
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = COLUMN_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    bottom = MARGIN_TOP + plot_height
    top = nice_maximum(max((value or 0 for _, value in points), default=0))
    chart = Chart(chart_id, title, description, "columns", WIDTH, COLUMN_HEIGHT)
    chart.baseline = (MARGIN_LEFT, bottom, WIDTH - MARGIN_RIGHT, bottom)
    for value in _tick_values(top):
        y = bottom - plot_height * value / top
        chart.ticks.append(
            Tick(_number(value), MARGIN_LEFT, y, WIDTH - MARGIN_RIGHT, y, MARGIN_LEFT - 6, y + 4)
        )
    if not points:
        return chart
    slot = plot_width / len(points)
    gap = min(8.0, slot * 0.2)
    every = max(1, math.ceil(len(points) / max_labels))
    for index, (label, value) in enumerate(points):
        value = value or 0
        height = plot_height * value / top
        x = MARGIN_LEFT + index * slot + gap / 2
        chart.bars.append(
            Bar(
                x=round(x, 2),
                y=round(bottom - height, 2),
                width=round(slot - gap, 2),
                height=round(height, 2),
                label=label,
                value=value,
                label_x=round(x + (slot - gap) / 2, 2),
                label_y=bottom + 16,
                value_x=round(x + (slot - gap) / 2, 2),
                value_y=round(bottom - height - 4, 2),
                show_label=index % every == 0,
                show_value=bool(value) and slot - gap >= 18,
            )
        )
    return chart


def row_chart(
    chart_id: str, title: str, description: str, points: list[tuple[str, int | float]]
) -> Chart:
    """Horizontal bars, one per (label, value), top to bottom, labels on the left."""
    height = MARGIN_TOP + ROW_HEIGHT * max(1, len(points)) + MARGIN_BOTTOM // 2
    plot_left = LABEL_WIDTH
    plot_width = WIDTH - plot_left - 60
    top = nice_maximum(max((value or 0 for _, value in points), default=0))
    chart = Chart(chart_id, title, description, "rows", WIDTH, height)
    chart.baseline = (plot_left, MARGIN_TOP, plot_left, height - MARGIN_BOTTOM // 2)
    for index, (label, value) in enumerate(points):
        value = value or 0
        y = MARGIN_TOP + index * ROW_HEIGHT
        width = plot_width * value / top
        chart.bars.append(
            Bar(
                x=plot_left,
                y=y + 4,
                width=round(width, 2),
                height=ROW_HEIGHT - 8,
                label=label if len(label) <= 24 else label[:23] + "…",
                value=value,
                label_x=plot_left - 8,
                label_y=y + ROW_HEIGHT / 2 + 4,
                value_x=round(plot_left + width + 6, 2),
                value_y=y + ROW_HEIGHT / 2 + 4,
                show_value=True,
            )
        )
    return chart
