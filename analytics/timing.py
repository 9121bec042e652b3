"""Cycle time, lead time and percentiles: pure functions over plain values, no ORM.

Status categories are Jira's keys: "new" (To Do), "indeterminate" (In Progress) and
"done". Definitions are documented for teams in ``docs/scoring.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter

CATEGORY_NEW = "new"
CATEGORY_IN_PROGRESS = "indeterminate"
CATEGORY_DONE = "done"


@dataclass(frozen=True, slots=True)
class Transition:
    """One status change that moved an issue between status categories (or within one)."""

    at: datetime
    from_category: str
    to_category: str


_by_time = attrgetter("at")


def _in_order(transitions: Iterable[Transition]) -> list[Transition]:
    # sorted() is stable, so transitions with equal timestamps keep the given order.
    return sorted(transitions, key=_by_time)


def _final_done_move(ordered: Sequence[Transition]) -> Transition | None:
    """The move into "done" that stands, or None if the issue is not done now.

    Moves within the done category (Done -> Closed) do not restart the clock.
    """
    if not ordered or ordered[-1].to_category != CATEGORY_DONE:
        return None
    for transition in reversed(ordered):
        if transition.to_category == CATEGORY_DONE and transition.from_category != CATEGORY_DONE:
            return transition
    # Only done -> done moves were recorded: the issue was created in Done.
    return None


def completed_at(transitions: Sequence[Transition]) -> datetime | None:
    """When the issue last moved into "done", if "done" is where it still is.

    None when it is not done now, and for an issue created directly in Done (there is
    no move into done to date it from; callers may fall back to its creation time).
    """
    move = _final_done_move(_in_order(transitions))
    return move.at if move is not None else None


def cycle_time(
    *, transitions: Sequence[Transition], resolved_at: datetime | None = None
) -> timedelta | None:
    """From the first move into "indeterminate" to the final move into "done".

    None when the issue never moved into "indeterminate" (created straight in Done,
    To Do -> Done, or created in an in-progress status so the start is unknown) or is
    not done now (its last transition does not go into "done").

    ``resolved_at`` (Jira's resolution date) is a fallback end only for a changelog
    that misses the final move into done: it is used when no recorded transition is
    later than it. A resolution date older than the last transition belongs to a
    completion that was undone, and is ignored.
    """
    ordered = _in_order(transitions)
    start = next(
        (
            t
            for t in ordered
            if t.to_category == CATEGORY_IN_PROGRESS and t.from_category != CATEGORY_IN_PROGRESS
        ),
        None,
    )
    if start is None:
        return None
    done = _final_done_move(ordered)
    if done is not None:
        end = done.at
    elif resolved_at is not None and ordered[-1].to_category != CATEGORY_DONE:
        if resolved_at < ordered[-1].at:
            return None
        end = resolved_at
    else:
        return None
    if end < start.at:
        return None
    return end - start.at


def lead_time(*, created_at: datetime | None, done_at: datetime | None) -> timedelta | None:
    """From creation to completion; None if either is unknown or done_at is before created_at."""
    if created_at is None or done_at is None or done_at < created_at:
        return None
    return done_at - created_at


def categories_visited(transitions: Sequence[Transition], *, initial: str = "") -> tuple[str, ...]:
    """Status categories in order, starting with the one at creation.

    Fills ``IssueFacts.status_categories_visited``. Consecutive repeats (moves within a
    category) are collapsed. ``initial`` is the category at creation when there are
    no transitions (the issue's current category).
    """
    ordered = _in_order(transitions)
    visited: list[str] = []
    first = ordered[0].from_category if ordered else initial
    if first:
        visited.append(first)
    for transition in ordered:
        if not visited or visited[-1] != transition.to_category:
            visited.append(transition.to_category)
    return tuple(visited)


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
