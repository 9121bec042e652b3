"""Each sprint's numbers as Jira's sprint report counts them, from the simulator's own record.

The ground truth a sync's sprint numbers are compared with, worked out from what the
simulator knows happened (each issue's stays in sprints, when it was completed, its
resolution, and the changes of its estimation field), never from what a client makes of
the API. For a started sprint, from its start to its close (its completeDate; now for the
active one), Jira's sprint report (fact sheet §11) counts:

- *completed outside this sprint*: done before it was first in the sprint from the
  start on (before the start, or before it joined); listed apart, counted nowhere else;
- *committed*: in the sprint at the start, with its estimate at that moment;
- *added*: joined after the start, by the close, without being in it at the start;
- *removed*: left after the start, by the close, and not in it at the close;
- of the issues in it at the close: *completed* (completed while in it, by the close;
  *not delivered* when closed as Won't Do and the like), and the rest, *carried over*
  from a closed sprint or *still open* in the active one. Completed points are the
  estimates at the close.
"""

from __future__ import annotations

from .constants import ESTIMATE_FIELD, NOT_DELIVERED, STORY_POINTS_FIELD, T_EPIC

ESTIMATION_FIELD_IDS = (ESTIMATE_FIELD[0], STORY_POINTS_FIELD[0])
NUMBERS = (
    "committed", "added", "removed", "completed", "not_delivered", "carried_over",
    "still_open", "completed_outside",
)  # fmt: skip


def _points(text) -> float | None:
    if text is None or str(text).strip() == "":
        return None
    return float(str(text).replace(",", "."))


def estimate_changes(core) -> list[tuple[int, float | None, float | None]]:
    """(at, before, after) of each change of the issue's estimation field, oldest first
    ("3" → "3.0" changes no estimate: left out)."""
    changes = [
        (history.created_ms, _points(change.get("fromString")), _points(change.get("toString")))
        for history in core.histories
        for change in history.items
        if change.get("fieldId") in ESTIMATION_FIELD_IDS
    ]
    return sorted(
        [change for change in changes if change[1] != change[2]], key=lambda change: change[0]
    )


def points_at(core, changes, moment: int) -> float | None:
    """The estimate at ``moment``: set by the last change at or before it; before any
    change, what the first one changed from; without changes, the estimate now."""
    by_then = [change for change in changes if change[0] <= moment]
    if by_then:
        return by_then[-1][2]
    if changes:
        return changes[0][1]
    return _points(core.story_points)


def _covers(stay, moment: int) -> bool:
    joined, left = stay
    return joined <= moment and (left is None or left > moment)


def _completed_outside(core, stays, start: int, close: int) -> bool | None:
    """Whether it was done before it was first in the sprint from the start on; None when
    it wasn't in the sprint between the start and the close."""
    in_window = [(j, left) for j, left in stays if j <= close and (left is None or left > start)]
    if not in_window:
        return None
    entered = min(max(joined, start) for joined, _left in in_window)
    return core.completed_ms is not None and core.completed_ms < entered


def sprint_numbers(site, sprint) -> dict:
    """One started sprint's numbers, as the sprint report shows them."""
    start = sprint.start_ms
    closed = sprint.state == "closed"
    close = max(sprint.complete_ms if closed else site.now_ms, start)
    numbers = dict.fromkeys(NUMBERS, 0) | {
        "committed_points": 0.0,
        "completed_points": 0.0,
        "re_estimates": [],
    }
    members = []
    for idx in site.live_indexes():
        if site.skeleton.types[idx] == T_EPIC:
            continue
        core = site.core(idx)
        stays = [
            (joined, left)
            for sprint_id, joined, left in core.sprint_stays
            if sprint_id == sprint.id and left != joined  # a stay of no time never happened
        ]
        if stays:
            members.append((idx, core, stays))
    for idx, core, stays in members:
        outside = _completed_outside(core, stays, start, close)
        if outside is None:
            continue
        if outside:
            numbers["completed_outside"] += 1
            continue
        changes = estimate_changes(core)
        committed = any(_covers(stay, start) for stay in stays)
        at_close = next((stay for stay in stays if _covers(stay, close)), None)
        if committed:
            numbers["committed"] += 1
            numbers["committed_points"] += points_at(core, changes, start) or 0
        elif any(start < joined <= close for joined, _left in stays):
            numbers["added"] += 1
        if at_close is None:
            if any(left is not None and start < left <= close for _joined, left in stays):
                numbers["removed"] += 1
        else:
            done = core.completed_ms
            if done is not None and at_close[0] <= done <= close:
                delivered = core.resolution is None or core.resolution[1] not in NOT_DELIVERED
                if delivered:
                    numbers["completed"] += 1
                    numbers["completed_points"] += points_at(core, changes, close) or 0
                else:
                    numbers["not_delivered"] += 1
            else:
                numbers["carried_over" if closed else "still_open"] += 1
        numbers["re_estimates"] += [
            (site.key_of(idx), at, before, after)
            for at, before, after in changes
            if start < at <= close and any(_covers(stay, at) for stay in stays)
        ]
    return numbers


def sprint_report(site) -> dict[int, dict]:
    """Sprint id → its numbers, for every sprint that has started."""
    with site.lock:
        return {
            sprint_id: sprint_numbers(site, sprint)
            for sprint_id, sprint in site.sprints.items()
            if sprint.start_ms is not None and sprint.state in ("active", "closed")
        }
