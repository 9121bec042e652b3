"""Percentiles and durations for reports: pure functions, no ORM.

When work started and was completed is defined once, in ``integrations.jira.workflow``
(the sync stores it); ``docs/scoring.md`` explains the definitions to teams.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import timedelta

from integrations.jira.workflow import Transition

__all__ = [
    "Transition",
    "format_duration",
    "median",
    "percentile",
]


def percentile(values: Iterable[float | None], p: float) -> float | None:
    """Continuous percentile with linear interpolation, like PostgreSQL's percentile_cont.

    ``p`` is a fraction from 0 to 1 (0.5 is the median, 0.85 the 85th percentile).
    None and NaN values are skipped; None when nothing is left.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"percentile fraction must be between 0 and 1, got {p!r}")
    ordered = sorted(
        float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))
    )
    if not ordered:
        return None
    position = p * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    fraction = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * fraction


def median(values: Iterable[float | None]) -> float | None:
    return percentile(values, 0.5)


def _half_up(value: float, digits: int = 0) -> float:
    scale = 10**digits
    return math.floor(value * scale + 0.5) / scale


def _number(value: float) -> str:
    """One decimal below 10, whole numbers from 10 up; no trailing ".0"."""
    rounded = _half_up(value, 1) if value < 10 else _half_up(value)
    return f"{rounded:.1f}".removesuffix(".0")


def format_duration(td: timedelta | None) -> str:
    """Short human duration: "40 min", "5 h", "3.5 days"; "–" for None."""
    if td is None:
        return "–"
    seconds = td.total_seconds()
    if seconds < 0:
        return "-" + format_duration(-td)
    if seconds == 0:
        return "0 min"
    minutes = _half_up(seconds / 60)
    if minutes < 1:
        return "< 1 min"
    if minutes < 60:
        return f"{int(minutes)} min"
    hours = seconds / 3600
    if _half_up(hours) < 24:
        return f"{_number(hours)} h"
    days = seconds / 86400
    text = _number(days)
    return f"{text} day" if text == "1" else f"{text} days"
