"""Story points over time, from the changelog of both estimation fields."""

from datetime import UTC, datetime

from integrations.sync.estimates import EstimateStep, estimate_changes

POINTS = ("customfield_10024", "Story Points")
ESTIMATE = ("customfield_10016", "Story point estimate")


def day(n: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, n, hour, tzinfo=UTC)


def history(history_id: int, at: datetime, *items: dict) -> dict:
    return {"id": str(history_id), "created": at.isoformat(), "items": list(items)}


def points(field: tuple[str, str], before: str | None, after: str | None, *, field_id=True):
    item = {"field": field[1], "fieldtype": "custom", "fromString": before, "toString": after}
    item.update({"from": None, "to": None})
    if field_id:
        item["fieldId"] = field[0]
    return item


def test_each_re_estimate_of_either_field_is_a_step():
    histories = [
        history(10, day(1), points(ESTIMATE, None, "3")),
        history(11, day(3), points(ESTIMATE, "3", "5")),
        history(12, day(5), {"field": "status", "fieldId": "status", "from": "1", "to": "3"}),
    ]
    assert estimate_changes(histories, [ESTIMATE, POINTS], [5.0, None]) == [
        EstimateStep(day(1), None, 3.0),
        EstimateStep(day(3), 3.0, 5.0),
    ]


def test_story_points_items_count_too_and_the_first_estimation_field_wins():
    histories = [
        history(10, day(1), points(POINTS, "", "2")),  # Story Points, read second
        history(11, day(2), points(ESTIMATE, "", "8")),  # the first field now decides
        history(12, day(4), points(ESTIMATE, "8", "")),  # emptied: Story Points again
    ]
    assert estimate_changes(histories, [ESTIMATE, POINTS], [None, 2.0]) == [
        EstimateStep(day(1), None, 2.0),
        EstimateStep(day(2), 2.0, 8.0),
        EstimateStep(day(4), 8.0, 2.0),
    ]


def test_items_without_a_field_id_are_matched_by_name_and_text_values_are_read():
    histories = [history(10, day(2), points(POINTS, "1,5", "3.0", field_id=False))]
    assert estimate_changes(histories, [POINTS], [3.0]) == [EstimateStep(day(2), 1.5, 3.0)]


def test_another_fields_items_and_unread_fields_are_ignored():
    histories = [history(10, day(2), points(ESTIMATE, "1", "2"))]
    assert estimate_changes(histories, [POINTS], [2.0]) == []
    assert estimate_changes(histories, [], []) == []


def test_the_value_now_wins_when_the_changelog_does_not_end_there():
    histories = [history(10, day(2), points(POINTS, "1", "2"))]
    assert estimate_changes(histories, [POINTS], [13.0]) == [EstimateStep(day(2), 1.0, 13.0)]
