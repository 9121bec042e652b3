"""The Sprints table on a 1366 px wide screen, in a real headless Chromium: every number
column is in view without scrolling sideways."""

import re

import pytest

from tests.analytics.factories import make_connection, make_issue, make_sprint, make_stay, utc
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING
from tests.conftest import PASSWORD

if not CHROMIUM.exists():
    pytest.skip(CHROMIUM_MISSING, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLUMNS = ("Completed", "Say/do (%)", "Committed points", "Completed points", "Say/do, points (%)")


def _sprints(workspace):
    """Sprints with long names, as real boards name them, on two sites (so the table has its
    Site column), and some work in each."""
    first = make_connection(workspace, "acme-engineering", projects=("PLATFORM",))
    second = make_connection(workspace, "acme-operations-europe", projects=("PLATFORM",))
    for n, connection in enumerate((first, first, second)):
        start = utc(2025, 6, 1 + 10 * n, 9)
        sprint = make_sprint(
            connection, 100 + n, name=f"PLATFORM Sprint {40 + n} – Checkout v2 in beta",
            start=start, completed=utc(2025, 6, 10 + 10 * n, 15), board_id=1234,
        )  # fmt: skip
        for i in range(4):
            issue = make_issue(
                connection, key=f"PLATFORM-{10 * n + i}", project="PLATFORM",
                created=utc(2025, 5, 1), done=utc(2025, 6, 5 + 10 * n) if i % 2 else None,
                story_points=13.5,
            )  # fmt: skip
            make_stay(issue, sprint, utc(2025, 5, 31 + 10 * n if n == 0 else 10 * n, 9))


def test_the_sprints_tables_numbers_fit_a_1366_pixel_screen(browsing, bob, acme):
    _sprints(acme)
    page = browsing.page
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))

    page.goto("/reports/sprints/?start=2025-06-01&end=2025-06-30")
    table = page.locator("#table-sprints")
    expect(table).to_be_visible()
    browsing.shot("sprints-table-1366")
    box = page.evaluate(
        """() => {
            const table = document.getElementById("table-sprints");
            const scroller = table.closest(".table-scroll");
            const view = scroller.getBoundingClientRect();
            return {
                right: Math.min(view.right, window.innerWidth),
                left: Math.max(view.left, 0),
                scrolls: scroller.scrollWidth > scroller.clientWidth + 1,
                pageScrolls: document.documentElement.scrollWidth > window.innerWidth + 1,
            };
        }"""
    )
    assert not box["scrolls"], "the Sprints table scrolls sideways at 1366 px"
    assert not box["pageScrolls"], "the page scrolls sideways at 1366 px"
    for label in COLUMNS:
        header = table.get_by_role("columnheader", name=label, exact=True)
        expect(header).to_have_count(1)
        edges = header.bounding_box()
        assert edges["x"] >= box["left"], label
        assert edges["x"] + edges["width"] <= box["right"] + 1, f"{label} is cut off"
    # Cells wrap between words (or after a hyphen), never inside one: each word of a
    # text cell is one box ("Closed", not "Clos" over "ed"). Only a site host (the first
    # cell) may break anywhere: it has no words.
    split = page.evaluate(
        """() => {
            const split = [];
            let checked = 0;
            for (const cell of document.querySelectorAll("#table-sprints tbody td:not(.num, :first-of-type)")) {
                const text = cell.firstChild;
                if (!text || text.nodeType !== Node.TEXT_NODE) continue;
                for (const match of text.data.matchAll(/[^\\s-]+/g)) {
                    const range = document.createRange();
                    range.setStart(text, match.index);
                    range.setEnd(text, match.index + match[0].length);
                    checked += 1;
                    if (range.getClientRects().length > 1) split.push(match[0]);
                }
            }
            return [checked, split];
        }"""
    )
    assert split == [9, []]  # "Board", "1234" and "Closed" on each of three rows
    states = table.locator("tbody td", has_text=re.compile(r"^Closed$"))
    expect(states).to_have_count(3)
    browsing.assert_clean()
