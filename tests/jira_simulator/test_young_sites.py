"""A site adopted recently: its history starts YOUNG_HISTORY_DAYS ago, after a pilot that
made only a trickle of issues. The app shows no "% vs previous period" against it."""

from jira_simulator import JiraSimulator
from jira_simulator.constants import (
    DAY_MS,
    ISSUE_DAYS,
    PILOT_DAYS,
    PILOT_SHARE,
    YOUNG_HISTORY_DAYS,
)
from tests.jira_simulator.helpers import NOW

ISSUES = 600


def _site(subdomain):
    return JiraSimulator(seed=7, issues=ISSUES, now=NOW).site(subdomain)


def test_a_young_sites_history_starts_with_a_pilot_trickle():
    site = _site("globex")
    created = site.skeleton.created
    start = site.now_ms - YOUNG_HISTORY_DAYS * DAY_MS
    assert created[0] == start
    pilot_end = start + PILOT_DAYS * DAY_MS
    assert sum(1 for ms in created if ms < pilot_end) == round(ISSUES * PILOT_SHARE) == 3
    assert len(created) == ISSUES
    # Its sprints start with its history too.
    starts = [s.start_ms for s in site.sprints.values() if s.start_ms is not None]
    assert min(starts) >= start


def test_other_sites_span_the_whole_history():
    site = _site("acme")
    created = site.skeleton.created
    assert created[0] >= site.now_ms - ISSUE_DAYS * DAY_MS
    assert created[0] < site.now_ms - (ISSUE_DAYS - 2) * DAY_MS
    # Spread evenly: the first 55 days hold about 55/180 of the issues, not a trickle.
    early = sum(1 for ms in created if ms < created[0] + PILOT_DAYS * DAY_MS)
    assert early > ISSUES // 5
    assert _site("newco").young and not site.young
