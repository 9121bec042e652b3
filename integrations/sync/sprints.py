"""When an issue was in which sprint, from its Sprint field and the changelog's Sprint items.

Each ``Sprint`` changelog item holds the whole list of sprint ids before and after the
change, so the membership history is replayed from the issue's creation: the sprints it
was created in are the first item's ``from`` (values set at creation leave no item), or
the current field when it never changed. Closed sprints stay in the field, so an issue
that was in a sprint when it closed never leaves it. Pure functions, no ORM; ``finish``
calls ``sprint_stays`` once per issue and the writer stores the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from integrations.jira.fields import parse_jira_datetime
from integrations.jira.sprints import parse_sprint_ids

# The field name of Sprint items when a changelog has no fieldId (older histories).
SPRINT_FIELD_NAME = "Sprint"


@dataclass(frozen=True)
class SprintStay:
    """A stretch of time the issue spent in one sprint; ``left_at`` None: still in it."""

    sprint_id: int
    joined_at: datetime
    left_at: datetime | None = None


@dataclass(frozen=True)
class SprintChange:
    at: datetime
    history_id: int
    before: tuple[int, ...]
    after: tuple[int, ...]


def _is_sprint_item(item: dict, field_id: str) -> bool:
    if field_id and item.get("fieldId"):
        return item.get("fieldId") == field_id
    return item.get("field") == SPRINT_FIELD_NAME


def sprint_changes(histories: list[dict], field_id: str = "") -> list[SprintChange]:
    """The Sprint items of a changelog (either shape), oldest first."""
    changes = []
    for history in histories:
        at = parse_jira_datetime(history.get("created"))
        history_id = str(history.get("id", ""))
        if at is None or not history_id.isdigit():
            continue
        for item in history.get("items") or []:
            # Most items change another field: a field id tells at once.
            if not isinstance(item, dict) or (
                field_id and (named := item.get("fieldId")) and named != field_id
            ):
                continue
            if _is_sprint_item(item, field_id):
                changes.append(
                    SprintChange(
                        at=at,
                        history_id=int(history_id),
                        before=tuple(parse_sprint_ids(item.get("from"))),
                        after=tuple(parse_sprint_ids(item.get("to"))),
                    )
                )
    changes.sort(key=lambda change: (change.at, change.history_id))
    return changes


def sprint_stays(
    *,
    created_at: datetime,
    current: list[int],
    changes: list[SprintChange],
) -> list[SprintStay]:
    """Every stay of the issue in a sprint, in the order they began.

    ``current`` is the Sprint field now. Should the changelog not end where the field is
    (a sprint deleted in Jira, a history Jira no longer returns), the field wins from the
    last recorded change on.
    """
    joined: dict[int, datetime] = {}
    stays: list[SprintStay] = []

    def move_to(sprint_ids, at: datetime) -> None:
        wanted = set(sprint_ids)
        for sprint_id in [s for s in joined if s not in wanted]:
            since = joined.pop(sprint_id)
            if at > since:  # a stay of no time at all never happened
                stays.append(SprintStay(sprint_id, since, at))
        for sprint_id in sprint_ids:
            joined.setdefault(sprint_id, at)

    move_to(changes[0].before if changes else current, created_at)
    for change in changes:
        move_to(change.after, max(change.at, created_at))
    move_to(current, max(changes[-1].at, created_at) if changes else created_at)
    stays += [SprintStay(sprint_id, since) for sprint_id, since in joined.items()]
    stays.sort(key=lambda stay: (stay.joined_at, stay.sprint_id))
    return stays
