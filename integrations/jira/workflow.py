"""When work started, when it was completed, and whether it was delivered.

The one definition of these delivery facts: the sync stores them with each issue, the
reports aggregate the stored values, and ``docs/scoring.md`` explains them to teams.
Pure functions over plain values, no ORM.

Status categories are Jira's keys: "new" (To Do), "indeterminate" (In Progress) and
"done". A status's category comes from ``GET /rest/api/3/status``; statuses deleted by
workflow changes are missing from that list but stay in old changelogs, so they are
classified by Jira's built-in status ids and by name (``StatusCatalog``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Protocol

NEW = "new"
IN_PROGRESS = "indeterminate"
DONE = "done"
CATEGORIES = (NEW, IN_PROGRESS, DONE)
UNKNOWN = ""

# Jira's built-in statuses keep their ids on every Cloud site, even after a workflow
# change deleted them: 1 Open, 3 In Progress, 4 Reopened (a To Do status), 5 Resolved,
# 6 Closed.
BUILT_IN_STATUS_CATEGORIES = {"1": NEW, "3": IN_PROGRESS, "4": NEW, "5": DONE, "6": DONE}

# Resolutions that close an issue without delivering it, as Jira names them in English.
# Workspaces edit the list (names are localised per site).
DEFAULT_NOT_DELIVERED_RESOLUTIONS = (
    "Won't Do",
    "Won't Fix",
    "Duplicate",
    "Cannot Reproduce",
    "Declined",
    "Invalid",
    "Rejected",
    "Obsolete",
    "Incomplete",
    "Abandoned",
)


class Move(Protocol):
    """A status change: a changelog transition, a stored row or a ``Transition``."""

    at: datetime
    from_category: str
    to_category: str


@dataclass(frozen=True, slots=True)
class Transition:
    at: datetime
    from_category: str
    to_category: str


def _category_key(value) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


class StatusCatalog:
    """Status id/name → category, for a site's statuses and the ones it has deleted."""

    def __init__(self, statuses: Iterable[dict] = ()):
        self.by_id: dict[str, str] = {}
        by_name: dict[str, set[str]] = {}
        for status in statuses:
            if not isinstance(status, dict):
                continue
            category = status.get("statusCategory")
            key = _category_key(category.get("key") if isinstance(category, dict) else None)
            if key not in CATEGORIES:
                continue
            if status.get("id") is not None:
                self.by_id[str(status["id"])] = key
            name = status.get("name")
            if isinstance(name, str) and name.strip():
                by_name.setdefault(name.strip().casefold(), set()).add(key)
        # A name shared by statuses of different categories says nothing.
        self.by_name = {name: keys.pop() for name, keys in by_name.items() if len(keys) == 1}

    def category(self, status_id, name) -> str:
        """The category of a status, or UNKNOWN when neither its id nor its name tells."""
        status_id = "" if status_id is None else str(status_id)
        if status_id in self.by_id:
            return self.by_id[status_id]
        if status_id in BUILT_IN_STATUS_CATEGORIES:
            return BUILT_IN_STATUS_CATEGORIES[status_id]
        if isinstance(name, str):
            return self.by_name.get(name.strip().casefold(), UNKNOWN)
        return UNKNOWN


_by_time = attrgetter("at")


def in_time_order(moves: Iterable[Move]) -> list[Move]:
    """Oldest first; moves with equal timestamps keep the changelog's order."""
    return sorted(moves, key=_by_time)


def started_at(moves: Iterable[Move]) -> datetime | None:
    """The first move into an in-progress category; None if work never started."""
    return next(
        (
            move.at
            for move in in_time_order(moves)
            if move.to_category == IN_PROGRESS and move.from_category != IN_PROGRESS
        ),
        None,
    )


def completion_from_history(moves: Sequence[Move]) -> datetime | None:
    """The last move from a non-done category into done, if the history dates it.

    Read backwards from the newest move: moves inside done (Resolved -> Closed, a
    workflow migration) are skipped; the first move into done from To Do or In Progress
    is the completion. None when the history can't tell: no such move (created in
    Done), or a move of unknown category on the way, which might have left done.
    """
    for move in reversed(in_time_order(moves)):
        if move.to_category == DONE and move.from_category == DONE:
            continue
        if move.to_category == DONE and move.from_category in (NEW, IN_PROGRESS):
            return move.at
        return None
    return None


def completed_at(
    moves: Sequence[Move],
    *,
    category_now: str,
    category_changed_at: datetime | None = None,
    resolved_at: datetime | None = None,
    created_at: datetime | None = None,
) -> datetime | None:
    """When the issue was completed, if it is done now.

    The history first (``completion_from_history``). When it can't date completion,
    Jira's ``statuscategorychangedate`` (for an issue in done now, exactly when it last
    became done), then the resolution date, then the creation (created straight in Done).
    """
    if category_now != DONE:
        return None
    return (
        completion_from_history(moves) or category_changed_at or resolved_at or created_at or None
    )


def normalise_resolution(name: str) -> str:
    """Resolution names compare without case and with either apostrophe (Won’t / Won't)."""
    return name.replace("\u2019", "'").strip().casefold()


def is_delivered(
    *, completed: datetime | None, resolution: str, not_delivered: Iterable[str]
) -> bool:
    """Completed, and not closed with a resolution the workspace counts as not delivered.

    A done issue without a resolution (common in team-managed projects) is delivered.
    """
    if completed is None:
        return False
    if not resolution:
        return True
    return normalise_resolution(resolution) not in {normalise_resolution(n) for n in not_delivered}


def cycle_time(started: datetime | None, completed: datetime | None) -> timedelta | None:
    """From the start of work to completion; None if either is unknown or out of order."""
    if started is None or completed is None or completed < started:
        return None
    return completed - started


def lead_time(created: datetime | None, completed: datetime | None) -> timedelta | None:
    """From creation to completion; None if either is unknown or out of order."""
    if created is None or completed is None or completed < created:
        return None
    return completed - created
