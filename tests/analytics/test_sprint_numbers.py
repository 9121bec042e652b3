"""Every per-sprint number on a small fixture worked out by hand, and the identities that
hold for any history."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.sprints.numbers import (
    CARRIED_OVER,
    COMPLETED,
    NOT_DELIVERED,
    STILL_OPEN,
    SprintIssue,
    SprintWindow,
    Stay,
    place,
    sprint_numbers,
)


def mar(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


# Sprint from Mar 2 09:00, closed Mar 16 15:00.
CLOSED = SprintWindow(start=mar(2), close=mar(16, 15), closed=True)


def issue(pk, *stays, done=None, delivered=True, points=None):
    return SprintIssue(
        issue_id=pk,
        stays=tuple(Stay(*stay) for stay in stays),
        completed_at=done,
        delivered=done is not None and delivered,
        story_points=points,
    )


FIXTURE = [
    issue(1, (mar(1),), done=mar(10), points=3),  # A: committed, completed
    issue(2, (mar(1),), points=5),  # B: committed, still open at the close: carried over
    issue(3, (mar(5),), done=mar(12)),  # C: added, completed, no estimate
    issue(4, (mar(1), mar(6)), points=2),  # D: committed, then taken out
    issue(5, (mar(4), mar(8))),  # E: added, then taken out again
    issue(6, (mar(1),), done=mar(9), delivered=False, points=1),  # F: closed as Won't Do
    issue(7, (mar(1), mar(3)), (mar(7),), done=mar(14), points=8),  # G: out and back in
    issue(8, (mar(17),), points=5),  # H: joined after the close
    issue(9, (mar(1),), done=mar(20), points=3),  # I: completed after the close
    issue(10, (mar(10),), done=mar(1, 12)),  # J: already done when added
    issue(11, (datetime(2026, 2, 25, tzinfo=UTC), mar(1, 18)), points=13),  # K: left before
]


def test_each_issue_is_placed_as_worked_out_by_hand():
    placed = {i.issue_id: place(CLOSED, i) for i in FIXTURE}
    expected = {
        1: (True, False, False, COMPLETED),
        2: (True, False, False, CARRIED_OVER),
        3: (False, True, False, COMPLETED),
        4: (True, False, True, ""),
        5: (False, True, True, ""),
        6: (True, False, False, NOT_DELIVERED),
        7: (True, False, False, COMPLETED),
        8: (False, False, False, ""),
        9: (True, False, False, CARRIED_OVER),
        10: (False, True, False, CARRIED_OVER),
        11: (False, False, False, ""),
    }
    got = {pk: (p.committed, p.added, p.removed, p.outcome) for pk, p in placed.items()}
    assert got == expected


def test_the_closed_sprints_numbers():
    numbers, _ = sprint_numbers(CLOSED, FIXTURE)
    assert numbers.committed == 6  # A, B, D, F, G, I
    assert numbers.added == 3  # C, E, J
    assert numbers.removed == 2  # D, E
    assert numbers.completed == 3  # A, C, G
    assert numbers.not_delivered == 1  # F
    assert numbers.carried_over == 3  # B, I, J
    assert numbers.still_open == 0
    assert numbers.scope_change == 1
    # 6 + 3 - 2 = 7 = 3 + 1 + 3
    assert numbers.committed_points == 3 + 5 + 2 + 1 + 8 + 3
    assert numbers.committed_unestimated == 0
    assert numbers.completed_points == 3 + 0 + 8
    assert numbers.completed_unestimated == 1  # C
    assert numbers.say_do == pytest.approx(0.5)
    assert numbers.say_do_points == pytest.approx(0.5)


def test_the_active_sprint_is_read_at_now_and_nothing_is_carried_over_yet():
    active = SprintWindow(start=mar(2), close=mar(9, 12), closed=False)
    numbers, placed = sprint_numbers(active, FIXTURE)
    # At Mar 9 12:00: A, B, C, F (done Mar 9), G and I are in; E left on Mar 8, D on
    # Mar 6, and J joins only on Mar 10.
    assert placed[6].outcome == NOT_DELIVERED
    assert placed[1].outcome == STILL_OPEN  # completed on Mar 10, after "now"
    assert placed[10] == place(active, FIXTURE[9]) and placed[10].outcome == ""
    assert (numbers.completed, numbers.not_delivered, numbers.carried_over) == (0, 1, 0)
    assert numbers.still_open == 5  # A, B, C, G, I
    assert (numbers.committed, numbers.added, numbers.removed) == (6, 2, 2)  # 6 + 2 - 2 = 6


def test_a_sprint_nobody_committed_to_has_no_say_do_ratio():
    numbers, _ = sprint_numbers(CLOSED, [issue(1, (mar(5),), done=mar(6), points=2)])
    assert (numbers.committed, numbers.added, numbers.completed) == (0, 1, 1)
    assert numbers.say_do is None and numbers.say_do_points is None


# -- any history --------------------------------------------------------------------

BASE = datetime(2026, 1, 1, tzinfo=UTC)
HOURS = st.integers(min_value=0, max_value=24 * 30)


@st.composite
def issues(draw, pk: int):
    """Up to three non-overlapping stays, the last maybe still open, and delivery facts."""
    marks = sorted(set(draw(st.lists(HOURS, min_size=1, max_size=6))))
    stays = [
        Stay(BASE + timedelta(hours=a), BASE + timedelta(hours=b))
        for a, b in zip(marks[::2], marks[1::2], strict=False)
    ]
    if len(marks) % 2:
        stays.append(Stay(BASE + timedelta(hours=marks[-1])))
    done = draw(st.one_of(st.none(), HOURS))
    return SprintIssue(
        issue_id=pk,
        stays=tuple(stays),
        completed_at=None if done is None else BASE + timedelta(hours=done),
        delivered=draw(st.booleans()),
        story_points=draw(st.one_of(st.none(), st.sampled_from([0.5, 1, 2, 3, 5, 8]))),
    )


@st.composite
def sprints(draw):
    start, length = draw(HOURS), draw(st.integers(min_value=1, max_value=24 * 20))
    window = SprintWindow(
        start=BASE + timedelta(hours=start),
        close=BASE + timedelta(hours=start + length),
        closed=draw(st.booleans()),
    )
    count = draw(st.integers(min_value=0, max_value=12))
    return window, [draw(issues(pk)) for pk in range(count)]


@given(sprints())
def test_scope_in_equals_outcomes(sprint):
    window, members = sprint
    n, _ = sprint_numbers(window, members)
    assert (
        n.committed + n.added - n.removed
        == n.completed + n.not_delivered + n.carried_over + n.still_open
    )
    assert n.carried_over == 0 or window.closed
    assert n.still_open == 0 or not window.closed


@given(sprints())
def test_committed_and_outcomes_are_who_was_in_at_the_start_and_at_the_close(sprint):
    window, members = sprint
    n, placed = sprint_numbers(window, members)
    at_start = {i.issue_id for i in members if any(s.covers(window.start) for s in i.stays)}
    at_close = {i.issue_id for i in members if any(s.covers(window.close) for s in i.stays)}
    assert {pk for pk, p in placed.items() if p.committed} == at_start
    assert {pk for pk, p in placed.items() if p.outcome} == at_close
    assert n.completed_points <= sum(i.story_points or 0 for i in members)
    for member in members:
        if placed[member.issue_id].outcome in (COMPLETED, NOT_DELIVERED):
            assert window.start - timedelta(days=400) < member.completed_at <= window.close
