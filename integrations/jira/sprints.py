"""Jira Software's Sprint field: finding it, and reading its values and changelog items.

The field (schema ``com.pyxis.greenhopper.jira:gh-sprint``, usually ``customfield_10020``
but it varies per site) holds every sprint the issue is or was in, closed ones included:
``[{id, name, state: active|closed|future, boardId, goal, startDate, endDate,
completeDate}]``. Its changelog items hold the whole list of sprint ids before and after
each change, as text: ``{"field": "Sprint", "from": "12, 13", "to": "12, 13, 14"}``.
Values set when the issue is created leave no item. Older sites send each sprint as a
string (``com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=12,rapidViewId=3,
state=CLOSED,name=Sprint 4,...]``); both shapes are read. Pure functions, no ORM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrations.jira.fields import parse_jira_datetime

SPRINT_SCHEMA = "com.pyxis.greenhopper.jira:gh-sprint"
STATES = ("future", "active", "closed")
NAME_LIMIT = 255
GOAL_LIMIT = 2000
# A sprint id is a positive number that fits a database bigint.
MAX_ID = 2**63 - 1

_LEGACY_RE = re.compile(r"\[(?P<body>.*)\]\s*$", re.DOTALL)
_LEGACY_KEYS = ("id", "rapidViewId", "state", "name", "startDate", "endDate", "completeDate")
_ID_RE = re.compile(r"\d+")


@dataclass(frozen=True)
class SprintInfo:
    """One sprint as an issue's Sprint field shows it."""

    id: int
    name: str
    state: str  # "future", "active", "closed", or "" when Jira didn't say
    board_id: int | None = None
    goal: str = ""
    start: datetime | None = None
    end: datetime | None = None
    completed: datetime | None = None


def find_sprint_field(fields: Any) -> str:
    """Id of the site's Sprint field in ``/rest/api/3/field`` output, found by its schema
    (its name is localised); "" when the site has none (Jira Software not installed)."""
    if not isinstance(fields, list):
        return ""
    for field in fields:
        if not isinstance(field, dict) or not isinstance(field.get("id"), str):
            continue
        schema = field.get("schema")
        if isinstance(schema, dict) and schema.get("custom") == SPRINT_SCHEMA:
            return field["id"][:64]
    return ""


def _sprint_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        return None
    return number if 0 < number <= MAX_ID else None


def _state(value: Any) -> str:
    state = value.strip().lower() if isinstance(value, str) else ""
    return state if state in STATES else ""


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _legacy_fields(text: str) -> dict[str, str]:
    """``key=value`` pairs of an old-style sprint string; a name may contain commas, so
    each value runs until the next known ``,key=``."""
    match = _LEGACY_RE.search(text)
    if match is None:
        return {}
    body = match.group("body")
    keys = "|".join(_LEGACY_KEYS + ("goal", "sequence", "activatedDate", "autoStartStop"))
    parts = re.split(rf",(?=(?:{keys})=)", body)
    found = {}
    for part in parts:
        key, _, value = part.partition("=")
        if value != "<null>":
            found[key.strip()] = value
    return found


def parse_sprint(value: Any) -> SprintInfo | None:
    """One element of the Sprint field's value; None when it has no usable id."""
    if isinstance(value, str):
        raw = _legacy_fields(value)
        board = raw.get("rapidViewId")
    elif isinstance(value, dict):
        raw = value
        board = value.get("boardId")
    else:
        return None
    sprint_id = _sprint_id(raw.get("id"))
    if sprint_id is None:
        return None
    return SprintInfo(
        id=sprint_id,
        name=_text(raw.get("name"), NAME_LIMIT) or f"Sprint {sprint_id}",
        state=_state(raw.get("state")),
        board_id=_sprint_id(board),
        goal=_text(raw.get("goal"), GOAL_LIMIT),
        start=parse_jira_datetime(raw.get("startDate")),
        end=parse_jira_datetime(raw.get("endDate")),
        completed=parse_jira_datetime(raw.get("completeDate")),
    )


def parse_sprint_field(value: Any) -> list[SprintInfo]:
    """The sprints of an issue's Sprint field, each once, in the order Jira lists them."""
    if not isinstance(value, list):
        return []
    sprints: dict[int, SprintInfo] = {}
    for element in value:
        sprint = parse_sprint(element)
        if sprint is not None:
            sprints.setdefault(sprint.id, sprint)
    return list(sprints.values())


def parse_sprint_ids(text: Any) -> list[int]:
    """The sprint ids of a changelog item's ``from`` or ``to`` ("12, 13"), each once."""
    if not isinstance(text, str):
        return []
    ids = (_sprint_id(number) for number in _ID_RE.findall(text))
    return list(dict.fromkeys(sprint_id for sprint_id in ids if sprint_id is not None))
