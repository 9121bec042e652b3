"""What happened to each issue in a sprint, and the sprint's numbers: the one definition.

Pure functions over plain values, no ORM. An issue's stays in the sprint come from the
sync (its Sprint field and the changelog's Sprint items); whether and when it was
completed, and whether that delivered it, are the stored delivery facts (``done_at`` and
``delivered``, from ``integrations.jira.workflow``), never worked out again here.

For a sprint that started at ``start`` and closed at ``close`` (now, for the active one):

- *committed*: in the sprint at ``start``;
- *added*: not in it at ``start``, joined after it and by ``close``;
- *removed*: left after ``start`` and by ``close``, and not in it at ``close`` (an issue
  taken out and put back is not removed, nor added if it was committed);
- of those in it at ``close``: *completed* (completed after it joined, by ``close``, and
  delivered), *not delivered* (the same, closed with a not-delivered resolution), and the
  rest: *carried over* for a closed sprint, *still open* for the active one.

So committed + added − removed = completed + not delivered + carried over + still open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

COMPLETED = "completed"
NOT_DELIVERED = "not_delivered"
CARRIED_OVER = "carried_over"
STILL_OPEN = "still_open"
OUTCOMES = (COMPLETED, NOT_DELIVERED, CARRIED_OVER, STILL_OPEN)


@dataclass(frozen=True)
class Stay:
    """From ``joined`` (included) until ``left`` (excluded; None: still in the sprint)."""

    joined: datetime
    left: datetime | None = None

    def covers(self, moment: datetime) -> bool:
        return self.joined <= moment and (self.left is None or moment < self.left)


@dataclass(frozen=True)
class SprintWindow:
    """A started sprint: from its start to its close (now, while it is active)."""

    start: datetime
    close: datetime
    closed: bool


@dataclass(frozen=True)
class SprintIssue:
    """An issue's stays in one sprint and its stored delivery facts."""

    issue_id: int
    stays: tuple[Stay, ...]
    completed_at: datetime | None = None
    delivered: bool = False
    story_points: float | None = None


@dataclass(frozen=True)
class Placement:
    """Where one issue stands in one sprint; ``outcome`` is "" when it wasn't in at the close."""

    committed: bool
    added: bool
    removed: bool
    outcome: str


def _stay_at(stays: Iterable[Stay], moment: datetime) -> Stay | None:
    return next((stay for stay in stays if stay.covers(moment)), None)


def place(window: SprintWindow, issue: SprintIssue) -> Placement:
    start, close = window.start, window.close
    committed = _stay_at(issue.stays, start) is not None
    at_close = _stay_at(issue.stays, close)
    joined = any(start < stay.joined <= close for stay in issue.stays)
    left = any(stay.left is not None and start < stay.left <= close for stay in issue.stays)
    outcome = ""
    if at_close is not None:
        done = issue.completed_at
        if done is not None and at_close.joined <= done <= close:
            outcome = COMPLETED if issue.delivered else NOT_DELIVERED
        else:
            outcome = CARRIED_OVER if window.closed else STILL_OPEN
    return Placement(
        committed=committed,
        added=joined and not committed,
        removed=left and at_close is None,
        outcome=outcome,
    )


@dataclass
class SprintNumbers:
    committed: int = 0
    added: int = 0
    removed: int = 0
    completed: int = 0
    not_delivered: int = 0
    carried_over: int = 0
    still_open: int = 0
    # Story points; an issue without points counts 0 and is counted as unestimated.
    committed_points: float = 0.0
    completed_points: float = 0.0
    committed_unestimated: int = 0
    completed_unestimated: int = 0

    @property
    def say_do(self) -> float | None:
        """Completed issues for each committed one (added work counts when completed)."""
        return self.completed / self.committed if self.committed else None

    @property
    def say_do_points(self) -> float | None:
        return self.completed_points / self.committed_points if self.committed_points else None

    @property
    def scope_change(self) -> int:
        return self.added - self.removed


def sprint_numbers(
    window: SprintWindow, issues: Iterable[SprintIssue]
) -> tuple[SprintNumbers, dict[int, Placement]]:
    """The sprint's numbers, and each issue's placement by issue id."""
    numbers = SprintNumbers()
    placements = {}
    for issue in issues:
        placement = placements[issue.issue_id] = place(window, issue)
        points = issue.story_points or 0.0
        if placement.committed:
            numbers.committed += 1
            numbers.committed_points += points
            numbers.committed_unestimated += issue.story_points is None
        numbers.added += placement.added
        numbers.removed += placement.removed
        if placement.outcome:
            setattr(numbers, placement.outcome, getattr(numbers, placement.outcome) + 1)
        if placement.outcome == COMPLETED:
            numbers.completed_points += points
            numbers.completed_unestimated += issue.story_points is None
    return numbers, placements
