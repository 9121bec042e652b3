"""The changelog readers skip items of other fields before looking further: on any
generated changelog they read what a plain walk of every item reads (the walks below are
the readers as they were before they skipped anything)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.jira.fields import parse_jira_datetime, parse_story_points, user_ref
from integrations.jira.sprints import parse_sprint_ids
from integrations.jira.workflow import StatusCatalog
from integrations.sync.estimates import _field_of, estimate_changes
from integrations.sync.finish import Workflow, map_transitions
from integrations.sync.mapping import TransitionRecord
from integrations.sync.sprints import SprintChange, _is_sprint_item, sprint_changes

SPRINT_FIELD = "customfield_10020"
ESTIMATION_FIELDS = (
    ("customfield_10016", "Story point estimate"),
    ("customfield_10024", "Story Points"),
)
RULES = Workflow(
    catalog=StatusCatalog(
        [
            {"id": "1", "name": "To Do", "statusCategory": {"key": "new"}},
            {"id": "3", "name": "Done", "statusCategory": {"key": "done"}},
        ]
    )
)

# Odd values now and then, among mostly well-formed ones.
ODD = [None, 0, 1, ["x"], {"a": 1}, ""]
RARELY_ODD = [None, ["x"]]
field_ids = st.sampled_from(
    ["status", "assignee", SPRINT_FIELD, "customfield_10016", "customfield_10024", "labels"] * 3
    + ODD
)
field_names = st.sampled_from(
    ["status", "Sprint", "Story point estimate", "Story Points", "assignee", "Labels", *ODD]
)
items = st.fixed_dictionaries(
    {},
    optional={
        "fieldId": field_ids,
        "field": field_names,
        "from": st.sampled_from(["1", "3", "7", "1, 2", *RARELY_ODD]),
        "to": st.sampled_from(["1", "3", "7", "2", *RARELY_ODD]),
        "fromString": st.sampled_from(["To Do", "Done", "3", "5.5", *RARELY_ODD]),
        "toString": st.sampled_from(["To Do", "Done", "8", "1,5", *RARELY_ODD]),
    },
) | st.sampled_from(ODD)
histories = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.sampled_from(["10", "11", "12", "13", "10", "11", 14, "x", None]),
            "created": st.sampled_from(
                [
                    "2024-01-01T09:00:00.000+0000",
                    "2024-01-02T09:00:00.000+0100",
                    "2024-01-02T08:00:00.000+0000",
                    "2024-01-03",
                    "not a date",
                    None,
                ]
            ),
            # Not a list: read as none (an int other than 0 fails every reader alike).
            "items": st.lists(items, max_size=4) | st.sampled_from([None, 0, "", {"a": 1}]),
        },
        optional={"author": st.sampled_from([{"accountId": "a1", "displayName": "Ana"}, *ODD])},
    ),
    min_size=1,
    max_size=6,
)


def walked_transitions(histories, rules):
    transitions = []
    for history in histories:
        at = parse_jira_datetime(history.get("created"))
        if at is None or not str(history.get("id", "")).isdigit():
            continue
        for item in history.get("items") or []:
            if not isinstance(item, dict):
                continue
            if item.get("fieldId") != "status" and item.get("field") != "status":
                continue
            ends = []
            for side in ("from", "to"):
                status_id = "" if item.get(side) is None else str(item.get(side))[:32]
                name = str(item.get(f"{side}String") or "")[:255]
                ends.append((status_id, name, rules.catalog.category(status_id, name)))
            (from_id, from_name, from_category), (to_id, to_name, to_category) = ends
            transitions.append(
                TransitionRecord(
                    history_id=int(history["id"]),
                    at=at,
                    from_status=from_name,
                    to_status=to_name,
                    from_category=from_category,
                    to_category=to_category,
                    author=user_ref(history.get("author")),
                    from_status_id=from_id,
                    to_status_id=to_id,
                )
            )
            break
    transitions.sort(key=lambda t: (t.at, t.history_id))
    return transitions


def walked_sprint_changes(histories, field_id):
    changes = []
    for history in histories:
        at = parse_jira_datetime(history.get("created"))
        history_id = str(history.get("id", ""))
        if at is None or not history_id.isdigit():
            continue
        for item in history.get("items") or []:
            if isinstance(item, dict) and _is_sprint_item(item, field_id):
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


def walked_estimate_items(histories, fields):
    """The (at, history id, field index, before, after) estimate_changes replays."""
    found = []
    for history in histories:
        at = parse_jira_datetime(history.get("created"))
        history_id = str(history.get("id", ""))
        if at is None or not history_id.isdigit():
            continue
        for item in history.get("items") or []:
            if isinstance(item, dict) and (index := _field_of(item, fields)) is not None:
                found.append(
                    (
                        at,
                        int(history_id),
                        index,
                        parse_story_points(item.get("fromString")),
                        parse_story_points(item.get("toString")),
                    )
                )
    return found


@settings(max_examples=400, deadline=None)
@given(histories)
def test_status_moves_are_those_a_walk_of_every_item_finds(changelog):
    assert map_transitions(changelog, RULES) == walked_transitions(changelog, RULES)


@settings(max_examples=400, deadline=None)
@given(histories, st.sampled_from([SPRINT_FIELD, ""]))
def test_sprint_changes_are_those_a_walk_of_every_item_finds(changelog, field_id):
    assert sprint_changes(changelog, field_id) == walked_sprint_changes(changelog, field_id)


@settings(max_examples=400, deadline=None)
@given(histories, st.sampled_from([ESTIMATION_FIELDS, ESTIMATION_FIELDS[:1]]))
def test_estimate_changes_read_the_items_a_walk_of_every_item_finds(changelog, fields):
    now = [None] * len(fields)
    steps = estimate_changes(changelog, fields, now)
    # Whether any item was read, and what was, shows in the steps: compared with a replay
    # of the walked items alone, one history each, named by the field's name only (as
    # older changelogs do), which no item is skipped by.
    walked = walked_estimate_items(changelog, fields)
    replayed = [
        {
            "id": str(history_id),
            "created": at.isoformat(),
            "items": [
                {
                    "field": fields[index][1],
                    "fromString": None if before is None else str(before),
                    "toString": None if after is None else str(after),
                }
            ],
        }
        for at, history_id, index, before, after in walked
    ]
    assert steps == estimate_changes(replayed, fields, now)
