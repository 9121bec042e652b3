from datetime import UTC, datetime, timedelta

import pytest

from analytics.timing import (
    format_duration,
    median,
    percentile,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def at(days=0.0, hours=0.0):
    return T0 + timedelta(days=days, hours=hours)


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
