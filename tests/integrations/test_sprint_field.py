"""Reading Jira's Sprint field, its changelog items, and an issue's membership history."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from integrations.jira.sprints import (
    SprintInfo,
    find_sprint_field,
    parse_sprint_field,
    parse_sprint_ids,
)
from integrations.jira.workflow import StatusCatalog
from integrations.sync.finish import Workflow, finish
from integrations.sync.mapping import map_issue
from integrations.sync.sprints import SprintStay, sprint_changes, sprint_stays

SPRINT_FIELD = "customfield_10020"
FIELDS = [
    {"id": "customfield_10019", "name": "Rank", "schema": {"custom": "x:gh-lexo-rank"}},
    {
        "id": "customfield_10020",
        "name": "Sprint",
        "schema": {"type": "array", "custom": "com.pyxis.greenhopper.jira:gh-sprint"},
    },
]


def day(n: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, n, hour, tzinfo=UTC)


def test_the_sprint_field_is_found_by_its_schema_whatever_its_name():
    localised = [dict(FIELDS[1], name="Sprint (Jira Software)", id="customfield_10101")]
    assert find_sprint_field(FIELDS) == "customfield_10020"
    assert find_sprint_field(localised) == "customfield_10101"
    assert find_sprint_field([FIELDS[0]]) == ""
    assert find_sprint_field("not a list") == ""


def test_sprint_objects_are_read_with_their_dates_and_board():
    value = [
        {
            "id": 12,
            "name": "ENG Sprint 4",
            "state": "closed",
            "boardId": 3,
            "goal": "Checkout v2",
            "startDate": "2026-03-02T09:00:00.000Z",
            "endDate": "2026-03-16T09:00:00.000Z",
            "completeDate": "2026-03-16T15:30:00.000Z",
        },
        {"id": 13, "name": "ENG Sprint 5", "state": "active", "boardId": 3},
        {"id": 12, "name": "duplicate of the first"},
        {"name": "no id"},
        "garbage",
    ]
    assert parse_sprint_field(value) == [
        SprintInfo(
            id=12,
            name="ENG Sprint 4",
            state="closed",
            board_id=3,
            goal="Checkout v2",
            start=day(2),
            end=day(16),
            completed=datetime(2026, 3, 16, 15, 30, tzinfo=UTC),
        ),
        SprintInfo(id=13, name="ENG Sprint 5", state="active", board_id=3),
    ]


def test_old_style_sprint_strings_are_read_too():
    value = [
        "com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=7,rapidViewId=2,state=CLOSED,"
        "name=Sprint 7, the long one,goal=<null>,startDate=2026-03-02T09:00:00.000Z,"
        "endDate=2026-03-16T09:00:00.000Z,completeDate=<null>,sequence=7]"
    ]
    assert parse_sprint_field(value) == [
        SprintInfo(
            id=7,
            name="Sprint 7, the long one",
            state="closed",
            board_id=2,
            start=day(2),
            end=day(16),
        )
    ]


def test_changelog_values_are_lists_of_ids():
    assert parse_sprint_ids("12, 13") == [12, 13]
    assert parse_sprint_ids("") == []
    assert parse_sprint_ids(None) == []
    assert parse_sprint_ids("13,13, 0, 99999999999999999999") == [13]


def _history(history_id, when, before, after, field_id=SPRINT_FIELD):
    return {
        "id": str(history_id),
        "created": when.isoformat().replace("+00:00", ".000+0000"),
        "items": [
            {"field": "Rank", "fieldId": "customfield_10019", "from": "", "to": ""},
            {"field": "Sprint", "fieldId": field_id, "from": before, "to": after},
        ],
    }


def test_an_issue_planned_then_carried_over_to_the_next_sprint():
    changes = sprint_changes(
        [
            _history(2, day(16, 15), "12", "12, 13"),  # sprint 12 closed, moved on to 13
            _history(1, day(1), "", "12"),  # planned before sprint 12 started
        ],
        SPRINT_FIELD,
    )
    assert sprint_stays(created_at=day(1, 8), current=[12, 13], changes=changes) == [
        SprintStay(12, day(1)),
        SprintStay(13, day(16, 15)),
    ]


def test_values_set_at_creation_leave_no_item_and_count_from_the_creation():
    # Created into sprint 12, then taken out of it mid-sprint.
    changes = sprint_changes([_history(1, day(5), "12", "")], SPRINT_FIELD)
    assert sprint_stays(created_at=day(3), current=[], changes=changes) == [
        SprintStay(12, day(3), day(5))
    ]
    # Created into sprint 12 and never changed: the field is the whole story.
    assert sprint_stays(created_at=day(3), current=[12], changes=[]) == [SprintStay(12, day(3))]


def test_an_issue_taken_out_and_put_back_has_two_stays():
    changes = sprint_changes(
        [
            _history(1, day(1), "", "12"),
            _history(2, day(4), "12", ""),
            _history(3, day(6), "", "12"),
        ]
    )
    assert sprint_stays(created_at=day(1, 8), current=[12], changes=changes) == [
        SprintStay(12, day(1), day(4)),
        SprintStay(12, day(6)),
    ]


def test_the_field_wins_when_the_history_does_not_end_where_it_is():
    # Sprint 12 was deleted in Jira and sprint 15 set by an app that left no history:
    # from the last recorded change on, the field says where the issue is.
    changes = sprint_changes(
        [_history(1, day(2), "", "12, 14"), _history(2, day(4), "12, 14", "12")]
    )
    assert sprint_stays(created_at=day(1), current=[15], changes=changes) == [
        SprintStay(12, day(2), day(4)),
        SprintStay(14, day(2), day(4)),
        SprintStay(15, day(4)),
    ]


def test_items_of_another_field_named_sprint_are_ignored_when_the_id_is_known():
    other = _history(1, day(2), "", "99", field_id="customfield_99999")
    assert sprint_changes([other], SPRINT_FIELD) == []
    # Without a fieldId (old histories), the field name tells.
    nameless = {"id": "1", "created": "2026-03-02T09:00:00.000+0000", "items": [
        {"field": "Sprint", "from": "", "to": "5"}
    ]}  # fmt: skip
    assert [change.after for change in sprint_changes([nameless], SPRINT_FIELD)] == [(5,)]


def test_finishing_a_record_derives_its_stays_from_field_and_changelog():
    raw = {
        "id": "10001",
        "key": "ENG-1",
        "fields": {
            "summary": "Checkout retries",
            "status": {"name": "To Do", "statusCategory": {"key": "new"}},
            "created": "2026-03-01T08:00:00.000+0000",
            "updated": "2026-03-16T15:00:00.000+0000",
            SPRINT_FIELD: [
                {"id": 12, "name": "ENG Sprint 4", "state": "closed", "boardId": 3},
                {"id": 13, "name": "ENG Sprint 5", "state": "active", "boardId": 3},
            ],
        },
        "changelog": {
            "histories": [
                _history(1, day(1), "", "12"),
                _history(2, day(16, 15), "12", "12, 13"),
            ],
            "total": 2,
        },
    }
    record = map_issue(raw, sprint_field=SPRINT_FIELD)
    assert [sprint.id for sprint in record.sprints] == [12, 13]
    finish(record, Workflow(catalog=StatusCatalog(), sprint_field=SPRINT_FIELD))
    assert record.sprint_stays == [SprintStay(12, day(1)), SprintStay(13, day(16, 15))]


# A history is a list of sprint-id sets over time; replaying it must give back, at every
# moment, exactly the sprints the issue was in.
SETS = st.lists(st.frozensets(st.integers(1, 5), max_size=3), min_size=0, max_size=8)


@given(initial=st.frozensets(st.integers(1, 5), max_size=3), later=SETS)
def test_stays_tell_the_sprints_of_every_moment(initial, later):
    created = day(1, 0)
    timeline = [(created, set(initial))]
    histories = []
    before = set(initial)
    for n, after in enumerate(later, start=1):
        at = day(1 + n)
        histories.append(
            _history(n, at, ", ".join(map(str, sorted(before))), ", ".join(map(str, sorted(after))))
        )
        timeline.append((at, set(after)))
        before = set(after)
    stays = sprint_stays(
        created_at=created, current=sorted(before), changes=sprint_changes(histories)
    )
    for at, expected in timeline:
        inside = {s.sprint_id for s in stays if s.joined_at <= at and (s.left_at or day(31)) > at}
        assert inside == expected, at


def test_a_record_read_without_the_sprint_field_leaves_its_sprints_unknown():
    raw = {
        "id": "10001",
        "key": "ENG-1",
        "fields": {
            "summary": "Checkout retries",
            "status": {"name": "To Do", "statusCategory": {"key": "new"}},
            "created": "2026-03-01T08:00:00.000+0000",
        },
        "changelog": {"histories": [_history(1, day(2), "", "12")], "total": 1},
    }
    # Not asked for (absent from the response): unknown, so stored stays are kept.
    record = map_issue(raw, sprint_field=SPRINT_FIELD)
    finish(record, Workflow(catalog=StatusCatalog(), sprint_field=SPRINT_FIELD))
    assert record.sprints is None and record.sprint_stays is None
    # Asked for and empty (null): the issue is in no sprint now.
    raw["fields"][SPRINT_FIELD] = None
    record = map_issue(raw, sprint_field=SPRINT_FIELD)
    finish(record, Workflow(catalog=StatusCatalog(), sprint_field=SPRINT_FIELD))
    assert record.sprints == []
    assert record.sprint_stays == []  # the field wins from the last recorded change on
