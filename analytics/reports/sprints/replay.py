"""A sprint's numbers as if it had closed at each of many moments (its burndown), from each
issue's events: two queries for the whole sprint, then one pass over the events.

The rules are those of ``placement.placements`` (defined in ``numbers``), applied in Python
to an issue's stays in the sprint, its completion and its estimate changes. An issue's
placement can only change at one of its events (a join, a leave, its completion, a
re-estimate): every rule compares the close with those moments, as "at or before the
close" or "after the close". So each issue is placed once at the start and once at each of
its events during the sprint, and each change is added to the first moment it reaches —
instead of placing every issue again for every day. Tests check the result against
``placements(until=...)`` on every day of every sprint of a simulated site.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, fields
from datetime import datetime

from django.db.models import QuerySet

from analytics.reports.sprints.numbers import (
    CARRIED_OVER,
    COMPLETED,
    COMPLETED_OUTSIDE,
    NOT_DELIVERED,
    OUT,
    STILL_OPEN,
    Placement,
    SprintNumbers,
)
from integrations.models import EstimateChange, Issue

# Sums of points are rounded to this many decimals: taking an issue's points out again at a
# later event must leave no float dust (3.0000000000000004).
POINTS_DECIMALS = 6


@dataclass
class IssueEvents:
    """What the sprint rules read of one issue: its stays in the sprint (joined, left or
    None), its delivery facts, and its story points now and their changes (at, from, to),
    oldest first."""

    issue_id: int
    stays: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    done_at: datetime | None = None
    delivered: bool = False
    story_points: float | None = None
    estimates: list[tuple[datetime, float | None, float | None]] = field(default_factory=list)

    def points_at(self, moment: datetime) -> float | None:
        """As ``placement.points_at``: after the last change at or before ``moment``, else
        before the first change, else the points now."""
        passed = [after for at, _before, after in self.estimates if at <= moment]
        if passed:
            return passed[-1]
        return self.estimates[0][1] if self.estimates else self.story_points

    def moments(self) -> set[datetime]:
        """When its placement may change."""
        events = {at for at, _b, _a in self.estimates}
        for joined, left in self.stays:
            events.add(joined)
            if left is not None:
                events.add(left)
        if self.done_at is not None:
            events.add(self.done_at)
        return events


def _covers(stay, moment: datetime) -> bool:
    joined, left = stay
    return joined <= moment and (left is None or left > moment)


def place(issue: IssueEvents, *, start: datetime, close: datetime, closed: bool) -> Placement:
    """The issue's placement in a sprint from ``start`` to ``close``: the rules of
    ``placement.placements``, flag for flag."""
    stays, done = issue.stays, issue.done_at
    at_close = [stay for stay in stays if _covers(stay, close)]
    entered = min(
        (
            max(joined, start)
            for joined, left in stays
            if joined <= close and (left is None or left > start)
        ),
        default=None,
    )
    if done is not None and entered is not None and done < entered:
        return Placement(committed=False, added=False, removed=False, outcome=COMPLETED_OUTSIDE)
    in_at_start = any(_covers(stay, start) for stay in stays)
    joined_during = any(start < joined <= close for joined, _left in stays)
    left_during = any(left is not None and start < left <= close for _joined, left in stays)
    done_in_sprint = done is not None and any(joined <= done <= close for joined, _l in at_close)
    if not at_close:
        outcome = OUT
    elif done_in_sprint:
        outcome = COMPLETED if issue.delivered else NOT_DELIVERED
    else:
        outcome = CARRIED_OVER if closed else STILL_OPEN
    return Placement(
        committed=in_at_start,
        added=not in_at_start and joined_during,
        removed=not at_close and left_during,
        outcome=outcome,
    )


def placed_at_close(issues: list[IssueEvents], window) -> dict[int, Placement]:
    """Issue id → its placement in the sprint (``selectors.SprintWindow``)."""
    return {
        issue.issue_id: place(issue, start=window.start, close=window.close, closed=window.closed)
        for issue in issues
    }


@dataclass(frozen=True)
class ReEstimate:
    issue_id: int
    at: datetime
    from_points: float | None
    to_points: float | None


def re_estimates(
    issues: list[IssueEvents], window, placements: dict[int, Placement]
) -> list[ReEstimate]:
    """The story point changes of the issues committed or added (``placements``), after the
    start and by the close, made while they were in the sprint, oldest first: scope change
    in points (Jira's "3 → 5")."""
    changes = [
        ReEstimate(issue.issue_id, at, before, after)
        for issue in issues
        if placements[issue.issue_id].committed or placements[issue.issue_id].added
        for at, before, after in issue.estimates
        if window.start < at <= window.close and any(_covers(s, at) for s in issue.stays)
    ]
    return sorted(changes, key=lambda change: (change.at, change.issue_id))


NUMBER_FIELDS = [f.name for f in fields(SprintNumbers)]
POINT_FIELDS = {"committed_points", "completed_points", "remaining_points"}


def _counted(placement: Placement, start_points, close_points) -> tuple:
    """What one placement adds to each ``SprintNumbers`` field (``placement.SUMS``)."""
    outcome = placement.outcome
    completed = outcome == COMPLETED
    remaining = outcome in (CARRIED_OVER, STILL_OPEN)
    values = {
        "committed": int(placement.committed),
        "added": int(placement.added),
        "removed": int(placement.removed),
        "completed": int(completed),
        "not_delivered": int(outcome == NOT_DELIVERED),
        "carried_over": int(outcome == CARRIED_OVER),
        "still_open": int(outcome == STILL_OPEN),
        "completed_outside": int(outcome == COMPLETED_OUTSIDE),
        "committed_points": (start_points or 0) if placement.committed else 0,
        "completed_points": (close_points or 0) if completed else 0,
        "committed_unestimated": int(placement.committed and start_points is None),
        "remaining_points": (close_points or 0) if remaining else 0,
        "completed_unestimated": int(completed and close_points is None),
    }
    return tuple(values[name] for name in NUMBER_FIELDS)


def numbers_at(
    issues: list[IssueEvents], *, start: datetime, moments: list[datetime], closed: bool
) -> list[SprintNumbers]:
    """The sprint's numbers as if it had closed at each of ``moments`` (sorted, none before
    ``start``), in their order."""
    if not moments:
        return []
    width = len(NUMBER_FIELDS)
    changes = [[0] * width for _moment in moments]
    for issue in issues:
        start_points = issue.points_at(start)
        before = (0,) * width
        for at in [start, *sorted(at for at in issue.moments() if start < at <= moments[-1])]:
            first = bisect_left(moments, at)  # the first moment the placement at ``at`` holds
            counted = _counted(
                place(issue, start=start, close=at, closed=closed),
                start_points,
                issue.points_at(at),
            )
            if counted != before:
                row = changes[first]
                for index in range(width):
                    row[index] += counted[index] - before[index]
                before = counted
    totals, numbers = [0] * width, []
    for row in changes:
        totals = [total + change for total, change in zip(totals, row, strict=True)]
        numbers.append(
            SprintNumbers(
                **{
                    name: round(total, POINTS_DECIMALS) if name in POINT_FIELDS else total
                    for name, total in zip(NUMBER_FIELDS, totals, strict=True)
                }
            )
        )
    return numbers


def sprint_events(issues: QuerySet[Issue], sprint_id: int) -> list[IssueEvents]:
    """The events of ``issues`` that have stays in the sprint: two queries."""
    in_sprint = issues.filter(sprint_memberships__sprint_id=sprint_id)
    by_issue: dict[int, IssueEvents] = {}
    rows = in_sprint.values_list(
        "pk",
        "sprint_memberships__joined_at",
        "sprint_memberships__left_at",
        "done_at",
        "delivered",
        "story_points",
    ).order_by()
    for pk, joined, left, done_at, delivered, points in rows:
        issue = by_issue.get(pk)
        if issue is None:
            issue = by_issue[pk] = IssueEvents(
                pk, done_at=done_at, delivered=delivered, story_points=points
            )
        issue.stays.append((joined, left))
    changes = (
        EstimateChange.objects.filter(issue_id__in=in_sprint.values("pk"))
        .order_by("issue_id", "at", "pk")
        .values_list("issue_id", "at", "from_points", "to_points")
    )
    for issue_id, at, before, after in changes:
        by_issue[issue_id].estimates.append((at, before, after))
    return list(by_issue.values())
