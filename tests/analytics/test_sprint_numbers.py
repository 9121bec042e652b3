"""Every per-sprint number on a small fixture worked out by hand, and the identities that
hold for any history (evaluated where the rules are: in the database)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.reports.sprints.numbers import (
    CARRIED_OVER,
    COMPLETED,
    COMPLETED_OUTSIDE,
    NOT_DELIVERED,
    OUT,
    STILL_OPEN,
    SprintNumbers,
)
from analytics.reports.sprints.placement import numbers_per_sprint, placement_of, placements
from analytics.reports.sprints.replay import numbers_at, placed_at_close, sprint_events
from analytics.reports.sprints.selectors import window_of
from integrations.models import Issue
from tests.analytics.factories import (
    make_connection,
    make_estimate_change,
    make_issue,
    make_sprint,
    make_stay,
)

pytestmark = pytest.mark.django_db


def mar(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


NOW = mar(9, 12)


@pytest.fixture
def connection(acme):
    return make_connection(acme)


def _issue(connection, key, *stays, sprint, done=None, delivered=True, points=None, **fields):
    issue = make_issue(
        connection,
        key=key,
        created=datetime(2026, 2, 1, tzinfo=UTC),
        done=done,
        delivered=done is not None and delivered,
        story_points=points,
        **fields,
    )
    for stay in stays:
        make_stay(issue, sprint, *stay)
    return issue


def _placed(sprint, now):
    return placements(Issue.objects.filter(workspace=sprint.workspace), [sprint.pk], now=now)


def _placed_by_key(sprint, now=NOW) -> dict[str, tuple]:
    keys = dict(Issue.objects.values_list("pk", "key"))
    placed = {keys[row["issue_id"]]: placement_of(row) for row in _placed(sprint, now)}
    return {key: (p.committed, p.added, p.removed, p.outcome) for key, p in placed.items()}


def _numbers(sprint, now=NOW) -> SprintNumbers:
    return numbers_per_sprint(_placed(sprint, now)).get(sprint.pk, SprintNumbers())


def _fixture(connection, sprint):
    """Eleven issues around a sprint from Mar 2 09:00 (A-K in the comments)."""
    i = lambda *a, **k: _issue(connection, *a, sprint=sprint, **k)  # noqa: E731
    i("A", (mar(1),), done=mar(10), points=3)  # committed, completed
    i("B", (mar(1),), points=5)  # committed, still open at the close
    i("C", (mar(5),), done=mar(12))  # added, completed, no estimate
    i("D", (mar(1), mar(6)), points=2)  # committed, then taken out
    i("E", (mar(4), mar(8)))  # added, then taken out again
    i("F", (mar(1),), done=mar(9), delivered=False, points=1)  # closed as Won't Do
    i("G", (mar(1), mar(3)), (mar(7),), done=mar(14), points=8)  # out and back in
    i("H", (mar(17),), points=5)  # joined after the close
    i("I", (mar(1),), done=mar(20), points=3)  # completed after the close
    i("J", (mar(10),), done=mar(1, 12))  # already done when added
    i("K", (datetime(2026, 2, 25, tzinfo=UTC), mar(1, 18)), points=13)  # left before


def test_each_issue_of_a_closed_sprint_is_placed_as_worked_out_by_hand(connection):
    sprint = make_sprint(connection, 1, start=mar(2), completed=mar(16, 15))
    _fixture(connection, sprint)
    assert _placed_by_key(sprint) == {
        "A": (True, False, False, COMPLETED),
        "B": (True, False, False, CARRIED_OVER),
        "C": (False, True, False, COMPLETED),
        "D": (True, False, True, OUT),
        "E": (False, True, True, OUT),
        "F": (True, False, False, NOT_DELIVERED),
        "G": (True, False, False, COMPLETED),
        "H": (False, False, False, OUT),
        "I": (True, False, False, CARRIED_OVER),
        "J": (False, False, False, COMPLETED_OUTSIDE),
        "K": (False, False, False, OUT),
    }


def test_the_closed_sprints_numbers(connection):
    sprint = make_sprint(connection, 1, start=mar(2), completed=mar(16, 15))
    _fixture(connection, sprint)
    numbers = _numbers(sprint)
    assert numbers.committed == 6  # A, B, D, F, G, I
    assert numbers.added == 2  # C, E
    assert numbers.removed == 2  # D, E
    assert numbers.completed == 3  # A, C, G
    assert numbers.not_delivered == 1  # F
    assert numbers.carried_over == 2  # B, I
    assert numbers.still_open == 0
    assert numbers.completed_outside == 1  # J: already done when added
    assert numbers.scope_change == 0
    # 6 + 2 - 2 = 6 = 3 + 1 + 2
    assert numbers.committed_points == 3 + 5 + 2 + 1 + 8 + 3
    assert numbers.committed_unestimated == 0
    assert numbers.completed_points == 3 + 0 + 8
    assert numbers.completed_unestimated == 1  # C
    assert numbers.say_do == pytest.approx(0.5)
    assert numbers.say_do_points == pytest.approx(0.5)


def test_work_completed_before_the_start_or_before_it_joined_counts_nowhere_else(connection):
    """Jira's sprint report lists such issues as "completed outside this sprint": never
    committed, added, removed, completed or carried over."""
    sprint = make_sprint(connection, 11, start=mar(2), completed=mar(16, 15))
    i = lambda *a, **k: _issue(connection, *a, sprint=sprint, **k)  # noqa: E731
    i("P", (mar(1),), done=datetime(2026, 2, 14, tzinfo=UTC), points=3)  # done before start
    i("Q", (mar(1), mar(5)), done=mar(1, 12), points=2)  # done before start, then taken out
    i("R", (mar(4),), done=mar(3), delivered=False)  # closed as Won't Do, then dragged in
    i("S", (mar(4),), done=mar(4))  # done the moment it joined: completed in the sprint
    i("T", (mar(1),), done=mar(10), points=5)  # committed, completed
    assert _placed_by_key(sprint) == {
        "P": (False, False, False, COMPLETED_OUTSIDE),
        "Q": (False, False, False, COMPLETED_OUTSIDE),
        "R": (False, False, False, COMPLETED_OUTSIDE),
        "S": (False, True, False, COMPLETED),
        "T": (True, False, False, COMPLETED),
    }
    numbers = _numbers(sprint)
    assert (numbers.committed, numbers.added, numbers.removed) == (1, 1, 0)
    assert (numbers.completed, numbers.not_delivered, numbers.carried_over) == (2, 0, 0)
    assert numbers.completed_outside == 3
    assert numbers.committed_points == 5
    assert numbers.say_do == pytest.approx(2.0)


@pytest.mark.parametrize("closed", [True, False])
def test_the_replay_places_each_issue_as_the_database_does(connection, closed):
    """The sprint page places issues by replaying their events (``replay``): on the
    hand-worked fixtures, issue for issue the placement of the Sprints report's query."""
    sprint = make_sprint(connection, 1, start=mar(2), completed=mar(16, 15) if closed else None)
    _fixture(connection, sprint)
    i = lambda *a, **k: _issue(connection, *a, sprint=sprint, **k)  # noqa: E731
    i("R", (mar(4),), done=mar(3), delivered=False)  # closed as Won't Do, then dragged in
    i("S", (mar(4),), done=mar(4))  # done the moment it joined
    window = window_of(sprint, now=NOW)
    keys = dict(Issue.objects.values_list("pk", "key"))
    events = sprint_events(Issue.objects.filter(workspace=sprint.workspace), sprint.pk)
    replayed = {
        keys[pk]: (p.committed, p.added, p.removed, p.outcome)
        for pk, p in placed_at_close(events, window).items()
    }
    assert replayed == _placed_by_key(sprint)
    assert replayed["S"] == (False, True, False, COMPLETED)


def test_committed_points_are_the_estimates_at_the_start_and_completed_at_the_close(connection):
    """Jira's sprint report: a re-estimate during the sprint (3 → 5) doesn't change what was
    committed; completed points are the estimates when the sprint closed."""
    sprint = make_sprint(connection, 1, start=mar(2), completed=mar(16, 15))
    i = lambda *a, **k: _issue(connection, *a, sprint=sprint, **k)  # noqa: E731
    a = i("A", (mar(1),), done=mar(10), points=5)  # 3 at the start, 5 from Mar 5
    make_estimate_change(a, mar(5), 3, 5)
    b = i("B", (mar(1),), done=mar(12), points=8)  # 2 until the close, 8 after it
    make_estimate_change(b, mar(17), 2, 8)
    c = i("C", (mar(1),), points=None)  # estimated 1 until Mar 4, then emptied
    make_estimate_change(c, datetime(2026, 2, 20, tzinfo=UTC), None, 1)
    make_estimate_change(c, mar(4), 1, None)
    d = i("D", (mar(1),), done=mar(8), points=2)  # estimated only on Mar 3
    make_estimate_change(d, mar(3), None, 2)
    i("E", (mar(1),), done=mar(9), points=1)  # never re-estimated: its points now
    numbers = _numbers(sprint)
    assert numbers.committed == 5
    assert numbers.committed_points == 3 + 2 + 1 + 0 + 1
    assert numbers.committed_unestimated == 1  # D
    assert numbers.completed == 4  # A, B, D, E
    assert numbers.completed_points == 5 + 2 + 2 + 1
    assert numbers.completed_unestimated == 0
    assert numbers.say_do_points == pytest.approx(10 / 7)


def test_the_active_sprints_completed_points_are_todays_estimates(connection):
    sprint = make_sprint(connection, 1, start=mar(2))
    a = _issue(connection, "A", (mar(1),), sprint=sprint, done=mar(5), points=8)
    make_estimate_change(a, mar(3), 5, 8)
    numbers = _numbers(sprint, now=mar(9))
    assert (numbers.committed_points, numbers.completed_points) == (5, 8)


def test_the_active_sprint_is_read_at_now_and_nothing_is_carried_over_yet(connection):
    sprint = make_sprint(connection, 1, start=mar(2))
    _fixture(connection, sprint)
    placed = _placed_by_key(sprint, now=NOW)
    # At Mar 9 12:00: A, B, C, F (done Mar 9), G and I are in; E left on Mar 8, D on
    # Mar 6, and J joins only on Mar 10.
    assert placed["F"][3] == NOT_DELIVERED
    assert placed["A"][3] == STILL_OPEN  # completed on Mar 10, after "now"
    assert placed["J"] == (False, False, False, OUT)
    numbers = _numbers(sprint, now=NOW)
    assert (numbers.completed, numbers.not_delivered, numbers.carried_over) == (0, 1, 0)
    assert numbers.still_open == 5  # A, B, C, G, I
    assert (numbers.committed, numbers.added, numbers.removed) == (6, 2, 2)  # 6 + 2 - 2 = 6


def test_a_closed_sprint_without_a_completion_date_closes_at_its_end(connection):
    sprint = make_sprint(connection, 1, start=mar(2), end=mar(16), state="closed")
    _issue(connection, "A", (mar(1),), sprint=sprint, done=mar(15, 23))
    _issue(connection, "B", (mar(1),), sprint=sprint, done=mar(16, 10))  # after the end
    assert _placed_by_key(sprint) == {
        "A": (True, False, False, COMPLETED),
        "B": (True, False, False, CARRIED_OVER),
    }


def test_a_sprint_nobody_committed_to_has_no_say_do_ratio(connection):
    sprint = make_sprint(connection, 1, start=mar(2), completed=mar(16, 15))
    _issue(connection, "A", (mar(5),), sprint=sprint, done=mar(6), points=2)
    numbers = _numbers(sprint)
    assert (numbers.committed, numbers.added, numbers.completed) == (0, 1, 1)
    assert numbers.say_do is None and numbers.say_do_points is None


# -- any history --------------------------------------------------------------------

BASE = datetime(2026, 1, 1, tzinfo=UTC)
HOURS = st.integers(min_value=0, max_value=24 * 30)


def _at(hours: int) -> datetime:
    return BASE + timedelta(hours=hours)


@st.composite
def histories(draw):
    """A sprint window and up to eight issues, each with up to three non-overlapping stays
    (the last maybe still open), delivery facts, and its story points: at first, and up to
    three re-estimates."""
    start, length = draw(HOURS), draw(st.integers(min_value=1, max_value=24 * 20))
    issues = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        marks = sorted(set(draw(st.lists(HOURS, min_size=1, max_size=6))))
        stays = [(_at(a), _at(b)) for a, b in zip(marks[::2], marks[1::2], strict=False)]
        if len(marks) % 2:
            stays.append((_at(marks[-1]), None))
        done = draw(st.one_of(st.none(), HOURS))
        estimate = st.one_of(st.none(), st.sampled_from([0.5, 1.0, 3.0, 8.0]))
        re_estimated = sorted(set(draw(st.lists(HOURS, max_size=3))))
        issues.append(
            (
                stays,
                None if done is None else _at(done),
                draw(st.booleans()),
                draw(estimate),
                [(_at(hour), draw(estimate)) for hour in re_estimated],
            )
        )
    return _at(start), _at(start + length), draw(st.booleans()), issues


class _Rollback(Exception):
    pass


def _points_at(first, changes, moment):
    return next((points for at, points in reversed(changes) if at <= moment), first)


def _covering(stays, moment):
    return next((s for s in stays if s[0] <= moment and (s[1] is None or moment < s[1])), None)


def _stored(connection, history):
    """The generated sprint and its issues, stored; returns the sprint."""
    start, close, closed, issues = history
    sprint = make_sprint(
        connection, 1, start=start, completed=close if closed else None,
        state="closed" if closed else "active",
    )  # fmt: skip
    for n, (stays, done, delivered, first, changes) in enumerate(issues):
        issue = _issue(
            connection, f"X-{n}", *stays, sprint=sprint, done=done,
            delivered=delivered, points=_points_at(first, changes, _at(10**6)),
        )  # fmt: skip
        before = first
        for at, points in changes:
            make_estimate_change(issue, at, before, points)
            before = points
    return sprint


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories())
def test_any_history_keeps_the_identity_and_the_definitions(connection, history):
    start, close, closed, issues = history
    try:
        with transaction.atomic():
            sprint = _stored(connection, history)
            placed = _placed_by_key(sprint, now=close)
            n = _numbers(sprint, now=close)
            raise _Rollback
    except _Rollback:
        pass
    assert (
        n.committed + n.added - n.removed
        == n.completed + n.not_delivered + n.carried_over + n.still_open
    )
    assert n.carried_over == 0 or closed
    assert n.still_open == 0 or not closed
    # Work done before it was first in the sprint after the start counts only as completed
    # outside; otherwise committed is who was in at the start; an outcome, who was in at
    # the close; and completed work was completed within the stay that covers the close.
    committed_points = completed_points = 0
    for number, (stays, done, delivered, first, changes) in enumerate(issues):
        committed, added, removed, outcome = placed.get(f"X-{number}", (False, 0, 0, OUT))
        committed_points += (committed and _points_at(first, changes, start)) or 0
        completed_points += (outcome == COMPLETED and _points_at(first, changes, close)) or 0
        entered = [
            max(j, start) for j, left in stays if j <= close and (left is None or left > start)
        ]
        if entered and done is not None and done < min(entered):
            assert (committed, added, removed, outcome) == (False, False, False, COMPLETED_OUTSIDE)
            continue
        assert outcome != COMPLETED_OUTSIDE
        assert committed == (_covering(stays, start) is not None)
        at_close = _covering(stays, close)
        assert (outcome != OUT) == (at_close is not None)
        if outcome in (COMPLETED, NOT_DELIVERED):
            assert at_close[0] <= done <= close
            assert (outcome == COMPLETED) == delivered
    # Points are the estimates as they stood at the start, and at the close.
    assert n.committed_points == pytest.approx(committed_points)
    assert n.completed_points == pytest.approx(completed_points)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories(), cuts=st.lists(HOURS, max_size=6))
def test_any_history_replayed_is_the_sprint_rules_at_every_moment(connection, history, cuts):
    """The burndown's replay of each issue's events (``replay``) gives, at any moment, the
    numbers the database gives placing every issue as if the sprint had closed then."""
    start, close, closed, issues = history
    moments = sorted({start, close, *(_at(c) for c in cuts if start < _at(c) < close)})
    try:
        with transaction.atomic():
            sprint = _stored(connection, history)
            all_issues = Issue.objects.filter(workspace=sprint.workspace)
            expected = [
                numbers_per_sprint(
                    placements(all_issues, [sprint.pk], now=close, until=moment)
                ).get(sprint.pk, SprintNumbers())
                for moment in moments
            ]
            replayed = numbers_at(
                sprint_events(all_issues, sprint.pk), start=start, moments=moments, closed=closed
            )
            raise _Rollback
    except _Rollback:
        pass
    assert replayed == expected
