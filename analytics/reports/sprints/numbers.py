"""What happened to each issue in a sprint, and the sprint's numbers: the one definition.

For a sprint that started at *start* and closed at *close* (its completeDate, or its end
date when Jira gave none; now, for the active sprint), from an issue's stays in it (the
sync's reading of its Sprint field and changelog) and its stored delivery facts
(``done_at``, ``delivered``: ``integrations.jira.workflow``, never worked out again here):

- *completed outside this sprint*: completed (``done_at``) before it was first in the sprint
  from *start* on, that is before *start* if it was in at *start*, else before it joined
  (Jira's sprint report lists these apart, e.g. done work dragged into a later sprint).
  Such an issue is counted in no other number below;
- *committed*: in the sprint at *start*;
- *added*: not in it at *start*, joined after it and by *close*;
- *removed*: left after *start* and by *close*, and not in it at *close* (an issue taken
  out and put back is not removed, nor added if it was committed);
- of the issues in it at *close*: *completed* (completed while in it, by *close*, and
  delivered), *not delivered* (the same, with a not-delivered resolution), and the rest:
  *carried over* for a closed sprint, *still open* for the active one.

So committed + added − removed = completed + not delivered + carried over + still open,
and say/do (completed ÷ committed) never counts work finished before the sprint.
The rules are evaluated in the database, per sprint and issue (``placement.placements``),
so a report sums them in its query; one sprint's page and its burndown replay them over
each issue's events instead (``replay``, tested against the database's on every day).
This module names the outcomes and holds the sums.
"""

from __future__ import annotations

from dataclasses import dataclass

# An issue's outcome in a sprint, as the database returns it.
OUT, COMPLETED, NOT_DELIVERED, CARRIED_OVER, STILL_OPEN, COMPLETED_OUTSIDE = 0, 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Placement:
    """Where one issue stands in one sprint; ``outcome`` is OUT when it wasn't in at the close,
    COMPLETED_OUTSIDE (and every flag False) when it was done before it was in the sprint."""

    committed: bool
    added: bool
    removed: bool
    outcome: int


@dataclass
class SprintNumbers:
    committed: int = 0
    added: int = 0
    removed: int = 0
    completed: int = 0
    not_delivered: int = 0
    carried_over: int = 0
    still_open: int = 0
    completed_outside: int = 0
    # Story points; an issue without points counts 0 and is counted as unestimated.
    committed_points: float = 0.0
    completed_points: float = 0.0
    committed_unestimated: int = 0
    completed_unestimated: int = 0
    # Points of the issues still to do at the close (carried over or still open), at their
    # estimates then.
    remaining_points: float = 0.0

    @property
    def remaining(self) -> int:
        """Issues in it at the close and not completed: carried over, or still open."""
        return self.carried_over + self.still_open

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
