"""Saving a settings page unchanged, in a real headless Chromium: Settings → Investment →
Save rules without touching anything leaves the rules and the Investment report as they were.
Screenshots go to test-artifacts/browser/ (40-investment-before.png, …).
"""

import re

import pytest

from analytics.investment.placement import rule_set
from analytics.investment.rules import DEFAULT_RULES
from tests.analytics.factories import make_connection, make_issue, make_person, utc
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING
from tests.conftest import PASSWORD

if not CHROMIUM.exists():
    pytest.skip(CHROMIUM_MISSING, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT = "/reports/investment/?start=2025-05-01&end=2025-06-30"
# Delivered issues each default rule places, and two no rule places.
KINDS = [
    ("Bug", []), ("Bug", []), ("Story", ["tech-debt"]), ("Task", ["support"]),
    ("Task", ["Customer"]), ("Story", []), ("Story", []), ("Task", []), ("Task", ["ux"]),
]  # fmt: skip


def _log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


def _shares(page) -> dict[str, list[str]]:
    """The report's tables as shown: the monthly shares, the period's mix, the rules listed."""
    page.goto(REPORT)
    expect(page.get_by_role("heading", name="Investment", exact=True)).to_be_visible()
    tables = {
        name: page.locator(f"#table-{name} tbody tr").evaluate_all(
            "rows => rows.map(row => Array.from(row.querySelectorAll('th, td'),"
            " cell => cell.textContent.trim()).join(' | '))"
        )
        for name in ("months", "mix")
    }
    tables["rules"] = page.locator("details.explain ol li").all_text_contents()
    return tables


@pytest.mark.slow
def test_saving_the_investment_rules_unchanged_keeps_the_report(browsing, alice, acme):
    connection = make_connection(acme, "acme", projects=("ENG",))
    ann = make_person(acme, "Ann Archer", connection)
    for n, (kind, labels) in enumerate(KINDS, start=1):
        make_issue(
            connection, key=f"ENG-{n}", assignee=ann, issue_type=kind, labels=labels,
            created=utc(2025, 4, 1), done=utc(2025, 5 + n % 2, n), score=10 * n,
        )  # fmt: skip
    page = browsing.page
    _log_in(page, alice)

    before = _shares(page)
    assert len(before["rules"]) == 6 and len(before["mix"]) == 5
    assert before["mix"][0].startswith("Features | 2 | ")
    browsing.shot("40-investment-before")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Investment").click()
    expect(page.get_by_role("heading", name="Investment categories")).to_be_visible()
    page.get_by_role("button", name="Save rules").click()
    expect(page.get_by_text("Rules saved. Reports use them now.")).to_be_visible()
    browsing.shot("41-investment-rules-saved")

    after = _shares(page)
    browsing.shot("42-investment-after")
    assert after == before
    assert rule_set(acme).rules == DEFAULT_RULES
    browsing.assert_clean()
