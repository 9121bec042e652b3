"""One list of headline metrics feeds the cards and the headline table; selectors return
finished numbers, percentiles included, whatever the database."""

import pytest

from analytics.reports.delivery import delivery_report, headline_cards
from analytics.reports.metrics import HEADLINE
from analytics.reports.people import contributor_rows
from analytics.reports.summary import delivery_summary
from tests.analytics.factories import build_report_dataset
from tests.analytics.test_report_numbers import DAY, _filters


@pytest.fixture
def data(acme, globex):
    return build_report_dataset(acme, globex)


def test_the_cards_and_the_table_come_from_one_list(data, acme):
    report = delivery_report(_filters(acme))
    table = report.tables()["headline"]
    assert [row.values[0] for row in table.rows] == [metric.label for metric in HEADLINE]
    cards = headline_cards(report.summary)
    assert [card["label"] for card in cards] == [m.card for m in HEADLINE if m.card]
    # The same number, formatted for each: 5 delivered issues, 2 in progress now.
    rows = {row.values[0]: row for row in table.rows}
    by_card = {card["label"]: card for card in cards}
    assert rows["Delivered issues"].values[1] == 5 and by_card["Delivered issues"]["value"] == "5"
    assert rows["Work in progress now"].values[1:3] == [2, None]
    assert by_card["Work in progress"]["value"] == "2"
    assert by_card["Work in progress"]["change"] is None
    # The 85th percentile has no card of its own: it is the median card's note.
    assert by_card["Cycle time (median)"]["note"].startswith("85th percentile: ")


def test_selectors_return_their_percentiles_without_help(data, acme):
    filters = _filters(acme)
    summary = delivery_summary(filters)
    assert summary.current.cycle_median == pytest.approx(2.5 * DAY)
    assert summary.previous.cycle_median == pytest.approx(6 * DAY)
    rows = {row.name: row for row in contributor_rows(filters)}
    assert rows["Ann Archer"].cycle_median is not None
    # The report shares one list between its selectors: the same numbers.
    report = delivery_report(filters)
    assert report.summary.current.cycle_median == summary.current.cycle_median
    by_name = {row.name: row for row in report.contributors}
    assert by_name["Ann Archer"].cycle_median == rows["Ann Archer"].cycle_median
