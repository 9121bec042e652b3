"""When work started and was completed, and whether it was delivered: the one definition."""

from datetime import UTC, datetime, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from integrations.jira.workflow import (
    DONE,
    IN_PROGRESS,
    NEW,
    UNKNOWN,
    StatusCatalog,
    Transition,
    completed_at,
    completion_from_history,
    cycle_time,
    in_time_order,
    is_delivered,
    lead_time,
    started_at,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def at(days=0.0, hours=0.0):
    return T0 + timedelta(days=days, hours=hours)


def move(when, source, target):
    return Transition(at=when, from_category=source, to_category=target)


def done(moves, **kwargs):
    return completed_at(moves, category_now=DONE, **kwargs)


# ------------------------------------------------------------------ completion


def test_straight_timeline_completes_at_the_move_into_done():
    moves = [move(at(1), NEW, IN_PROGRESS), move(at(4), IN_PROGRESS, DONE)]
    assert done(moves) == at(4)
    assert started_at(moves) == at(1)
    assert cycle_time(started_at(moves), done(moves)) == timedelta(days=3)


def test_reopened_issue_completes_at_its_last_entry_into_done():
    moves = [
        move(at(1), NEW, IN_PROGRESS),
        move(at(3), IN_PROGRESS, DONE),
        move(at(5), DONE, IN_PROGRESS),
        move(at(8), IN_PROGRESS, DONE),
    ]
    assert done(moves) == at(8)
    assert cycle_time(started_at(moves), done(moves)) == timedelta(days=7)


def test_an_issue_that_is_not_done_now_has_no_completion():
    moves = [move(at(1), NEW, IN_PROGRESS), move(at(3), IN_PROGRESS, DONE), move(at(5), DONE, NEW)]
    assert completed_at(moves, category_now=NEW, category_changed_at=at(5)) is None


def test_moves_inside_done_never_move_the_completion():
    # Resolved -> Closed, then a workflow migration months later (Closed -> Done).
    moves = [
        move(at(1), NEW, IN_PROGRESS),
        move(at(2), IN_PROGRESS, DONE),
        move(at(9), DONE, DONE),
        move(at(280), DONE, DONE),
    ]
    assert done(moves, category_changed_at=at(2)) == at(2)
    assert lead_time(T0, done(moves)) == timedelta(days=2)


def test_moves_given_out_of_order_are_sorted_by_time():
    moves = [move(at(4), IN_PROGRESS, DONE), move(at(1), NEW, IN_PROGRESS)]
    assert done(moves) == at(4)


def test_work_paused_and_restarted_starts_at_the_first_start():
    moves = [
        move(at(1), NEW, IN_PROGRESS),
        move(at(2), IN_PROGRESS, NEW),
        move(at(6), NEW, IN_PROGRESS),
        move(at(7), IN_PROGRESS, IN_PROGRESS),  # In Progress -> In Review
        move(at(10), IN_PROGRESS, DONE),
    ]
    assert started_at(moves) == at(1)
    assert cycle_time(started_at(moves), done(moves)) == timedelta(days=9)


def test_created_in_done_completes_at_the_category_change_date_or_creation():
    assert done([], category_changed_at=at(0), created_at=at(0)) == at(0)
    assert done([], created_at=at(0)) == at(0)
    assert done([move(at(2), DONE, DONE)], category_changed_at=at(0)) == at(0)
    assert started_at([]) is None


def test_to_do_straight_to_done_has_completion_but_no_start():
    moves = [move(at(2), NEW, DONE)]
    assert done(moves) == at(2)
    assert started_at(moves) is None
    assert cycle_time(started_at(moves), done(moves)) is None


def test_created_in_progress_has_no_known_start():
    moves = [move(at(3), IN_PROGRESS, DONE)]
    assert done(moves) == at(3)
    assert started_at(moves) is None


def test_a_move_of_unknown_category_falls_back_to_the_category_change_date():
    # "Ready for Dev" was deleted: its moves have no category. The history can't say
    # whether the last move into done came from done; Jira's date can.
    moves = [
        move(at(1), NEW, UNKNOWN),
        move(at(2), UNKNOWN, DONE),
    ]
    assert completion_from_history(moves) is None
    assert done(moves, category_changed_at=at(2), resolved_at=at(3)) == at(2)
    assert done(moves, resolved_at=at(3)) == at(3)


def test_a_last_move_into_an_unknown_status_falls_back_too():
    moves = [move(at(1), IN_PROGRESS, DONE), move(at(50), DONE, UNKNOWN)]
    assert done(moves, category_changed_at=at(1)) == at(1)


# ------------------------------------------------------------- status catalog


def test_the_catalog_classifies_deleted_statuses_by_built_in_id_and_by_name():
    catalog = StatusCatalog(
        [
            {"id": "10001", "name": "To Do", "statusCategory": {"key": "new"}},
            {"id": "10003", "name": "Done", "statusCategory": {"key": "done"}},
            {"id": "10004", "name": "Review", "statusCategory": {"key": "indeterminate"}},
            {"id": "10005", "name": "Review", "statusCategory": {"key": "done"}},
        ]
    )
    assert catalog.category("10001", "To Do") == NEW
    assert catalog.category("5", "Resolved") == DONE  # built-in, deleted from the site
    assert catalog.category("6", "Closed") == DONE
    assert catalog.category("1", "Open") == NEW
    assert catalog.category("3", "In Progress") == IN_PROGRESS
    assert catalog.category("4", "Reopened") == NEW
    assert catalog.category("99999", "done ") == DONE  # an old id, a known name
    assert catalog.category("99998", "Review") == UNKNOWN  # a name of two categories
    assert catalog.category("99997", "Inbox") == UNKNOWN
    assert catalog.category(None, None) == UNKNOWN


def test_the_site_list_wins_over_the_built_in_ids():
    catalog = StatusCatalog([{"id": "5", "name": "Resolved", "statusCategory": {"key": "new"}}])
    assert catalog.category("5", "Resolved") == NEW


# ------------------------------------------------------------------ delivered


def test_resolutions_that_close_without_delivering_are_not_delivered():
    names = ("Won't Do", "Duplicate")
    assert is_delivered(completed=at(1), resolution="Done", not_delivered=names)
    assert is_delivered(completed=at(1), resolution="", not_delivered=names)
    assert not is_delivered(completed=at(1), resolution="won’t do", not_delivered=names)
    assert not is_delivered(completed=at(1), resolution=" DUPLICATE ", not_delivered=names)
    assert not is_delivered(completed=None, resolution="Done", not_delivered=names)


def test_lead_time_is_none_without_both_ends_or_when_out_of_order():
    assert lead_time(at(0), None) is None
    assert lead_time(None, at(1)) is None
    assert lead_time(at(2), at(1)) is None
    assert lead_time(at(1), at(1)) == timedelta(0)


# ------------------------------------------------------------------ properties

categories = st.sampled_from([NEW, IN_PROGRESS, DONE])
histories = st.lists(
    st.tuples(st.integers(0, 10_000), categories, categories), min_size=0, max_size=12
)


def _moves(raw):
    return [move(at(hours=h), a, b) for h, a, b in raw]


@given(histories, st.integers(1, 5_000), st.integers(1, 5))
def test_done_to_done_moves_never_change_completion(raw, gap_hours, count):
    moves = _moves(raw)
    ordered = in_time_order(moves)
    # Moves inside done happen while the issue is in done.
    assume(not ordered or ordered[-1].to_category == DONE)
    last = ordered[-1].at if ordered else at(-1)
    later = [move(last + timedelta(hours=gap_hours * (i + 1)), DONE, DONE) for i in range(count)]
    assert done(moves + later, category_changed_at=at(-1)) == done(
        moves, category_changed_at=at(-1)
    )


@given(histories)
def test_completion_is_a_move_from_outside_done_into_done_or_the_fallback(raw):
    moves = _moves(raw)
    completed = done(moves, category_changed_at=at(-1))
    entries = {m.at for m in moves if m.to_category == DONE and m.from_category != DONE}
    assert completed in entries or completed == at(-1)


@given(histories)
def test_start_never_follows_a_later_first_start(raw):
    moves = _moves(raw)
    start = started_at(moves)
    starts = [
        m.at for m in moves if m.to_category == IN_PROGRESS and m.from_category != IN_PROGRESS
    ]
    assert start == (min(starts) if starts else None)
