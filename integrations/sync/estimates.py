"""An issue's story points over time, from the changelog of the site's estimation fields.

A site may have two estimation fields, "Story Points" and Jira Software's "Story point
estimate" (fact sheet §10), and an issue's points are the first non-empty one in the
connection's order (``mapping._story_points``). Each field's items hold its value before
and after as text (``fromString`` → ``toString``), so each field is replayed from the
issue's creation: its value then is its first item's ``fromString``, or its value now
when it never changed. The issue's points are combined the same way at every change,
and each change of the combined value is kept. Should a field's changelog not end at its
value now (a history Jira no longer returns), the value now wins from its last item on.
Pure functions, no ORM; ``finish`` calls ``estimate_changes`` once per issue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from integrations.jira.fields import parse_jira_datetime, parse_story_points


@dataclass(frozen=True)
class EstimateStep:
    """The issue's points were ``before`` until ``at`` and ``after`` from it on (None: none)."""

    at: datetime
    before: float | None
    after: float | None


def _field_of(item: dict, fields: Sequence[tuple[str, str]]) -> int | None:
    """The index of the estimation field an item changed; items without a fieldId (older
    histories) are matched by the field's name."""
    field_id = item.get("fieldId")
    for index, (wanted_id, name) in enumerate(fields):
        if field_id:
            if field_id == wanted_id:
                return index
        elif name and item.get("field") == name:
            return index
    return None


def _first(values: list[float | None]) -> float | None:
    return next((value for value in values if value is not None), None)


def estimate_changes(
    histories: list[dict],
    fields: Sequence[tuple[str, str]],
    now: Sequence[float | None],
) -> list[EstimateStep]:
    """Every change of the issue's points, oldest first. ``fields`` are the (id, name) of
    the estimation fields read, in order; ``now`` their values now, in the same order."""
    items = []
    # Most items change another field: those that name a field id are told by it at once.
    wanted_ids = {field_id for field_id, _name in fields}
    for history in histories:
        at = parse_jira_datetime(history.get("created"))
        history_id = str(history.get("id", ""))
        if at is None or not history_id.isdigit():
            continue
        for item in history.get("items") or []:
            if not isinstance(item, dict):
                continue
            field_id = item.get("fieldId")
            if field_id.__class__ is str and field_id and field_id not in wanted_ids:
                continue
            index = _field_of(item, fields)
            if index is not None:
                before = parse_story_points(item.get("fromString"))
                after = parse_story_points(item.get("toString"))
                items.append((at, int(history_id), index, before, after))
    if not items:
        return []
    items.sort(key=lambda change: change[:2])
    values = list(now)
    for index in range(len(fields)):
        first = next((change for change in items if change[2] == index), None)
        if first is not None:
            values[index] = first[3]
    points = _first(values)
    steps: list[EstimateStep] = []

    def move(at: datetime, to: float | None) -> None:
        nonlocal points
        if to == points:
            return
        if steps and steps[-1].at == at:
            # Two fields changed in one history: one step, from before the first.
            previous = steps.pop()
            if previous.before != to:
                steps.append(EstimateStep(at, previous.before, to))
        else:
            steps.append(EstimateStep(at, points, to))
        points = to

    for at, _history_id, index, _before, after in items:
        values[index] = after
        move(at, _first(values))
    move(items[-1][0], _first(list(now)))
    return steps
