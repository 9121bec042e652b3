"""The "% vs previous period" rule: a change only from enough issues inside the synced history."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse

from analytics.reports.comparison import MIN_ISSUES, Baseline
from analytics.reports.filters import Period
from tests.analytics.factories import PERIOD, make_connection, make_issue, utc

JUNE = {"start": "2025-06-01", "end": "2025-06-30"}  # previous period: May 2 - May 31


def _cards(client, params=PERIOD) -> tuple[dict, str]:
    response = client.get(reverse("reports"), params)
    assert response.status_code == 200
    return {card["label"]: card for card in response.context["cards"]}, response.content.decode()


def _headline_csv(client, params=PERIOD) -> tuple[dict, list]:
    response = client.get(reverse("report_export", args=["headline"]), params)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    return {row[0]: row[1:] for row in rows[1:]}, rows[0]


def _delivered(connection, count, *, done, lead=timedelta(days=3), cycle=timedelta(days=1)):
    for n in range(count):
        finished = done + timedelta(hours=n)
        make_issue(
            connection, created=finished - lead, started=finished - cycle, done=finished, score=50
        )


@pytest.fixture
def tiny_baseline(acme):
    """The case seen in the demo: the previous period's lead time median is 0.7 days
    from two issues, this period's is 319.2 days, so the change read "+45500%"."""
    connection = make_connection(acme, "acme")
    make_issue(connection, created=utc(2024, 1, 1))  # the synced history starts early
    _delivered(connection, 2, done=utc(2025, 5, 20), lead=timedelta(days=0.7))
    _delivered(connection, 12, done=utc(2025, 6, 10), lead=timedelta(days=319.2))
    return connection


def test_a_tiny_previous_period_shows_no_percentage(tiny_baseline, alice_client):
    cards, page = _cards(alice_client, JUNE)
    lead = cards["Lead time (median)"]
    assert lead["value"] == "319 days"
    assert lead["change"] is None
    assert lead["no_change_because"] == "No comparison: only 2 issues in the previous period"
    assert cards["Delivered issues"]["change"] is None
    assert "45500" not in page
    assert f"both periods have at least {MIN_ISSUES} issues" in page
    assert (
        f"Changes compare with the 30 days before, when both periods have at least {MIN_ISSUES}"
        in page
    )
    assert "No comparison: only 2 issues in the previous period" in page


def test_the_headline_csv_gives_no_change_from_a_tiny_previous_period(tiny_baseline, alice_client):
    rows, header = _headline_csv(alice_client, JUNE)
    assert header[-2:] == ["Change (%)", "Comparison"]
    assert rows["Median lead time (days)"] == [
        "319.2",
        "0.7",
        "",
        "No comparison: only 2 issues in the previous period",
    ]


def test_enough_issues_in_both_periods_inside_the_history_show_the_change(acme, alice_client):
    connection = make_connection(acme, "acme")
    make_issue(connection, created=utc(2024, 1, 1))
    _delivered(connection, MIN_ISSUES, done=utc(2025, 5, 20))
    _delivered(connection, MIN_ISSUES + 5, done=utc(2025, 6, 10), cycle=timedelta(days=2))
    cards, _page = _cards(alice_client, JUNE)
    assert cards["Delivered issues"]["change"] == "+50%"
    assert cards["Cycle time (median)"]["change"] == "+100%"
    assert cards["Cycle time (median)"]["trend"] == "worse"
    assert cards["Delivered issues"]["no_change_because"] == ""
    rows, _header = _headline_csv(alice_client, JUNE)
    assert rows["Delivered issues"] == [str(MIN_ISSUES + 5), str(MIN_ISSUES), "+50", ""]


def test_one_issue_short_in_this_period_shows_no_change(acme, alice_client):
    connection = make_connection(acme, "acme")
    make_issue(connection, created=utc(2024, 1, 1))
    _delivered(connection, MIN_ISSUES, done=utc(2025, 5, 20))
    _delivered(connection, MIN_ISSUES - 1, done=utc(2025, 6, 10))
    cards, _page = _cards(alice_client, JUNE)
    assert cards["Delivered issues"]["change"] is None
    assert cards["Delivered issues"]["no_change_because"] == (
        f"No comparison: only {MIN_ISSUES - 1} issues in this period"
    )


def test_a_previous_period_before_the_synced_history_shows_no_change(acme, alice_client):
    # The earliest synced issue was created on June 10: the previous period of
    # June 15-30 (May 30 - June 14) starts before the history does.
    connection = make_connection(acme, "acme")
    _delivered(connection, 12, done=utc(2025, 6, 13), lead=timedelta(days=3))
    _delivered(connection, 12, done=utc(2025, 6, 20), lead=timedelta(days=3))
    cards, page = _cards(alice_client, {"start": "2025-06-15", "end": "2025-06-30"})
    reason = (
        "No comparison: the previous period starts before the synced history (from 10 Jun 2025)"
    )
    assert cards["Delivered issues"]["change"] is None
    assert cards["Delivered issues"]["no_change_because"] == reason
    assert cards["Lead time (median)"]["no_change_because"] == reason
    assert reason in page
    # A period whose previous one starts on the history's first day is compared.
    cards, _page = _cards(alice_client, {"start": "2025-06-17", "end": "2025-06-23"})
    assert cards["Delivered issues"]["change"] == "+0%"


def test_the_history_is_that_of_the_sites_in_scope(acme, alice_client):
    old = make_connection(acme, "acme")
    young = make_connection(acme, "acme-new")
    make_issue(old, created=utc(2024, 1, 1))
    for site in (old, young):
        _delivered(site, 12, done=utc(2025, 5, 20))
        _delivered(site, 12, done=utc(2025, 6, 10))
    cards, _page = _cards(alice_client, JUNE)
    assert cards["Delivered issues"]["change"] == "+0%"
    cards, _page = _cards(alice_client, {**JUNE, "site": young.pk})
    assert cards["Delivered issues"]["no_change_because"] == (
        "No comparison: the previous period starts before the synced history (from 17 May 2025)"
    )


def test_cycle_time_counts_only_the_issues_that_have_one(acme, alice_client):
    connection = make_connection(acme, "acme")
    make_issue(connection, created=utc(2024, 1, 1))
    _delivered(connection, 12, done=utc(2025, 6, 10))
    for day in range(1, 13):  # twelve delivered in May, one of them through in progress
        make_issue(
            connection,
            created=utc(2025, 4, 1),
            started=utc(2025, 5, day) if day == 1 else None,
            done=utc(2025, 5, day + 2),
            score=50,
        )
    cards, _page = _cards(alice_client, JUNE)
    assert cards["Delivered issues"]["change"] == "+0%"
    assert cards["Cycle time (median)"]["no_change_because"] == (
        "No comparison: only 1 issue with a cycle time in the previous period"
    )


@pytest.mark.parametrize(
    ("current", "previous", "counts", "reason"),
    [
        (5, 0, (12, 12), "No comparison: the previous period's figure is 0"),
        (None, 3, (12, 12), "No comparison: no figure for one of the periods"),
        (5, 3, (12, 0), "No comparison: no issues in the previous period"),
    ],
)
def test_every_missing_comparison_says_why(current, previous, counts, reason):
    june = Period(date(2025, 6, 1), date(2025, 6, 30))
    change = Baseline(june.previous(), None, in_history=True).change(
        current, previous, current_issues=counts[0], previous_issues=counts[1]
    )
    assert (change.percent, change.label, change.reason) == (None, "", reason)


def test_nothing_synced_has_no_history(acme, alice_client):
    make_connection(acme, "acme")
    cards, _page = _cards(alice_client, JUNE)
    assert cards["Delivered issues"]["no_change_because"] == (
        "No comparison: no issues are synced yet"
    )


def test_the_docs_state_the_rule_with_its_threshold():
    from django.conf import settings

    for doc in ("README.md", "docs/scoring.md"):
        text = " ".join((settings.BASE_DIR / doc).read_text().split())
        assert f"at least {MIN_ISSUES} issues" in text, doc
        assert "previous period lies inside the synced history" in text, doc


def test_times_need_the_history_to_reach_a_period_before_the_previous_one(acme, alice_client):
    """The demo's case: the history starts with the previous period, so the issues
    delivered then could only be young ("+5275%" on lead time). Counts still compare."""
    connection = make_connection(acme, "acme")
    # The history starts just before the previous period (May 2), after April 2.
    make_issue(connection, created=utc(2025, 5, 1))
    make_issue(connection, created=utc(2025, 4, 30))
    _delivered(connection, MIN_ISSUES, done=utc(2025, 5, 20), lead=timedelta(days=0.5))
    _delivered(connection, MIN_ISSUES + 5, done=utc(2025, 6, 10), lead=timedelta(days=26))
    cards, page = _cards(alice_client, JUNE)
    assert cards["Delivered issues"]["change"] == "+50%"
    for label in ("Lead time (median)", "Cycle time (median)"):
        assert cards[label]["change"] is None
        assert cards[label]["no_change_because"] == (
            "No comparison: the synced history (from 30 Apr 2025) doesn't reach far enough "
            "before the previous period for its times to compare"
        )
    assert "5100%" not in page
    rows, _header = _headline_csv(alice_client, JUNE)
    assert rows["Median lead time (days)"][2] == ""


def test_times_compare_once_the_history_reaches_a_period_further_back(acme, alice_client):
    connection = make_connection(acme, "acme")
    make_issue(connection, created=utc(2025, 4, 1))  # before April 2: two periods back
    _delivered(connection, MIN_ISSUES, done=utc(2025, 5, 20), lead=timedelta(days=2))
    _delivered(connection, MIN_ISSUES + 5, done=utc(2025, 6, 10), lead=timedelta(days=3))
    cards, _page = _cards(alice_client, JUNE)
    assert cards["Lead time (median)"]["change"] == "+50%"
