from datetime import UTC, datetime, timedelta

import pytest

from analytics.timing import (
    Transition,
    categories_visited,
    completed_at,
    cycle_time,
    format_duration,
    lead_time,
    median,
    percentile,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def at(days=0.0, hours=0.0):
    return T0 + timedelta(days=days, hours=hours)


def move(when, source, target):
    return Transition(at=when, from_category=source, to_category=target)


# ------------------------------------------------------------- completed_at


def test_straight_timeline_completes_at_the_move_into_done():
    transitions = [
        move(at(1), "new", "indeterminate"),
        move(at(4), "indeterminate", "done"),
    ]
    assert completed_at(transitions) == at(4)
    assert cycle_time(transitions=transitions) == timedelta(days=3)


def test_reopened_issue_completes_at_its_final_move_into_done():
    transitions = [
        move(at(1), "new", "indeterminate"),
        move(at(3), "indeterminate", "done"),
        move(at(5), "done", "indeterminate"),
        move(at(8), "indeterminate", "done"),
    ]
    assert completed_at(transitions) == at(8)
    assert cycle_time(transitions=transitions) == timedelta(days=7)


def test_reopened_issue_that_is_not_done_again_has_no_completion_or_cycle_time():
    transitions = [
        move(at(1), "new", "indeterminate"),
        move(at(3), "indeterminate", "done"),
        move(at(5), "done", "new"),
    ]
    assert completed_at(transitions) is None
    assert cycle_time(transitions=transitions) is None


def test_moves_within_done_do_not_move_the_completion():
    transitions = [
        move(at(1), "new", "indeterminate"),
        move(at(2), "indeterminate", "done"),  # Resolved
        move(at(9), "done", "done"),  # Resolved -> Closed
    ]
    assert completed_at(transitions) == at(2)
    assert cycle_time(transitions=transitions) == timedelta(days=1)


def test_transitions_given_out_of_order_are_sorted_by_time():
    transitions = [
        move(at(4), "indeterminate", "done"),
        move(at(1), "new", "indeterminate"),
    ]
    assert completed_at(transitions) == at(4)
    assert cycle_time(transitions=transitions) == timedelta(days=3)


def test_cycle_runs_from_the_first_start_even_when_work_paused():
    transitions = [
        move(at(1), "new", "indeterminate"),
        move(at(2), "indeterminate", "new"),
        move(at(6), "new", "indeterminate"),
        move(at(7), "indeterminate", "indeterminate"),  # In Progress -> In Review
        move(at(10), "indeterminate", "done"),
    ]
    assert cycle_time(transitions=transitions) == timedelta(days=9)


# ------------------------------------------------------- no cycle time cases


def test_issue_created_directly_in_done_has_no_cycle_or_completion_time():
    assert cycle_time(transitions=[]) is None
    assert completed_at([]) is None
    closed_later = [move(at(2), "done", "done")]
    assert cycle_time(transitions=closed_later) is None
    assert completed_at(closed_later) is None


def test_issue_jumping_from_to_do_to_done_has_completion_but_no_cycle_time():
    transitions = [move(at(2), "new", "done")]
    assert completed_at(transitions) == at(2)
    assert cycle_time(transitions=transitions) is None


def test_never_started_issue_has_no_cycle_or_completion_time():
    assert cycle_time(transitions=[]) is None
    assert completed_at([]) is None


def test_issue_still_in_progress_has_no_cycle_time():
    transitions = [move(at(1), "new", "indeterminate")]
    assert cycle_time(transitions=transitions) is None
    assert completed_at(transitions) is None


def test_issue_created_in_progress_has_no_known_start_and_no_cycle_time():
    transitions = [move(at(3), "indeterminate", "done")]
    assert completed_at(transitions) == at(3)
    assert cycle_time(transitions=transitions) is None


# ------------------------------------------------------------- resolved_at


def test_resolution_date_ends_the_cycle_when_the_changelog_misses_the_done_move():
    transitions = [move(at(1), "new", "indeterminate")]
    assert cycle_time(transitions=transitions, resolved_at=at(5)) == timedelta(days=4)


def test_resolution_date_older_than_the_last_transition_is_ignored():
    transitions = [
        move(at(1), "new", "indeterminate"),
        move(at(2), "indeterminate", "done"),
        move(at(3), "done", "indeterminate"),
    ]
    assert cycle_time(transitions=transitions, resolved_at=at(2)) is None


def test_recorded_done_move_wins_over_the_resolution_date():
    transitions = [
        move(at(1), "new", "indeterminate"),
        move(at(3), "indeterminate", "done"),
    ]
    assert cycle_time(transitions=transitions, resolved_at=at(9)) == timedelta(days=2)


def test_resolution_date_does_not_invent_a_start():
    assert cycle_time(transitions=[move(at(1), "new", "done")], resolved_at=at(1)) is None


# ---------------------------------------------------------------- lead time


def test_lead_time_runs_from_creation_to_completion():
    assert lead_time(created_at=at(0), done_at=at(2, hours=12)) == timedelta(days=2.5)


def test_lead_time_is_none_without_both_ends_or_when_done_precedes_creation():
    assert lead_time(created_at=at(0), done_at=None) is None
    assert lead_time(created_at=None, done_at=at(1)) is None
    assert lead_time(created_at=at(2), done_at=at(1)) is None


def test_lead_time_of_an_issue_done_at_creation_is_zero():
    assert lead_time(created_at=at(1), done_at=at(1)) == timedelta(0)


# ------------------------------------------------------- categories_visited


def test_categories_visited_start_with_the_creation_category_and_collapse_repeats():
    transitions = [
        move(at(1), "new", "indeterminate"),
        move(at(2), "indeterminate", "indeterminate"),
        move(at(3), "indeterminate", "done"),
    ]
    assert categories_visited(transitions) == ("new", "indeterminate", "done")


def test_categories_visited_without_transitions_is_the_initial_category():
    assert categories_visited([], initial="done") == ("done",)
    assert categories_visited([]) == ()


# --------------------------------------------------------------- percentiles


def test_percentile_interpolates_linearly_like_percentile_cont():
    values = [1, 2, 3, 4]
    assert percentile(values, 0.0) == 1
    assert percentile(values, 0.5) == 2.5
    assert percentile(values, 0.9) == pytest.approx(3.7)  # position 2.7 -> 3 + 0.7 * (4 - 3)
    assert percentile(values, 1.0) == 4


def test_percentile_of_one_to_ten_matches_hand_computed_values():
    values = list(range(1, 11))
    assert percentile(values, 0.25) == pytest.approx(3.25)  # position 2.25
    assert percentile(values, 0.85) == pytest.approx(8.65)  # position 7.65
    assert percentile(values, 0.95) == pytest.approx(9.55)  # position 8.55


def test_percentile_sorts_its_input():
    assert percentile([10.0, 0.0, 5.0], 0.25) == 2.5


def test_percentile_of_one_value_is_that_value():
    assert percentile([7.5], 0.85) == 7.5


def test_percentile_of_nothing_is_none():
    assert percentile([], 0.5) is None
    assert percentile([None, float("nan")], 0.5) is None


def test_percentile_skips_missing_values():
    assert percentile([None, 1.0, float("nan"), 3.0], 0.5) == 2.0


@pytest.mark.parametrize("p", [-0.1, 1.5, 85])
def test_percentile_fraction_outside_zero_to_one_is_rejected(p):
    with pytest.raises(ValueError):
        percentile([1.0, 2.0], p)


def test_median_of_odd_and_even_counts():
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2.5
    assert median([]) is None


# ---------------------------------------------------------- format_duration


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(0), "0 min"),
        (timedelta(seconds=20), "< 1 min"),
        (timedelta(minutes=40), "40 min"),
        (timedelta(minutes=59, seconds=40), "1 h"),
        (timedelta(hours=5), "5 h"),
        (timedelta(hours=5, minutes=30), "5.5 h"),
        (timedelta(hours=13, minutes=20), "13 h"),
        (timedelta(hours=23, minutes=50), "1 day"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=3, hours=12), "3.5 days"),
        (timedelta(days=12, hours=10), "12 days"),
        (timedelta(days=400), "400 days"),
        (-timedelta(hours=5), "-5 h"),
    ],
)
def test_format_duration_picks_a_readable_unit(duration, text):
    assert format_duration(duration) == text


def test_format_duration_of_nothing_is_a_dash():
    assert format_duration(None) == "–"
