"""Trends, a sprint's burndown and a team's page in a real headless Chromium: each chart is
drawn, with its table beside it and the line saying what it shows."""

import re

import pytest

from tests.analytics.factories import (
    make_connection,
    make_issue,
    make_person,
    make_sprint,
    make_stay,
    make_team,
    utc,
)
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING
from tests.conftest import PASSWORD

if not CHROMIUM.exists():
    pytest.skip(CHROMIUM_MISSING, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JUNE = "start=2025-06-01&end=2025-06-30"


def _work(workspace):
    """June 2025: four issues delivered each week by Ann and Ben (team Core), one week of a
    single issue (a gap), and a two-week sprint of eight of them."""
    connection = make_connection(workspace, "acme", projects=("ENG",))
    ann, ben = (
        make_person(workspace, "Ann Archer", connection),
        make_person(workspace, "Ben Baker", connection),
    )
    make_team(workspace, "Core", [ann, ben])
    sprint = make_sprint(
        connection, 7, name="ENG Sprint 7", start=utc(2025, 6, 2, 9), completed=utc(2025, 6, 13, 16)
    )
    number = 0
    for week, count in ((0, 4), (1, 4), (2, 1), (3, 4)):
        for i in range(count):
            number += 1
            done = utc(2025, 6, 3 + 7 * week + i, 15)
            issue = make_issue(
                connection, key=f"ENG-{number}", assignee=(ann, ben)[i % 2],
                created=utc(2025, 5, 20), started=utc(2025, 6, 1 + 7 * week + i, 10), done=done,
                story_points=1 + i,
            )  # fmt: skip
            if week < 2:
                make_stay(issue, sprint, utc(2025, 6, 1))
    open_issue = make_issue(
        connection, key="ENG-99", assignee=ann, created=utc(2025, 5, 20),
        started=utc(2025, 6, 4, 10), story_points=3,
    )  # fmt: skip
    make_stay(open_issue, sprint, utc(2025, 6, 5))


def test_trends_a_sprint_burndown_and_a_team_page(browsing, bob, acme):
    _work(acme)
    page = browsing.page
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))

    # Trends on the Delivery report: lines, a gap for the week of one issue, tables.
    page.goto(f"/reports/?{JUNE}")
    trends = page.locator("#trends")
    expect(trends.get_by_role("heading", name="Trends")).to_be_visible()
    cycle = trends.locator("figure.chart").filter(
        has=page.get_by_role("heading", name="Cycle time per week")
    )
    expect(cycle.locator("svg")).to_be_visible()
    # Weeks from May 26 (June 1 is a Sunday) to June 30: no issue in the first and the last,
    # one in the week of June 16: three gaps, and a line through June 2 and 9 per series.
    expect(cycle.locator("svg .gap")).to_have_count(3)
    expect(cycle.locator("svg polyline")).to_have_count(2)
    expect(cycle.get_by_text("A week with fewer than 3 issues has no point")).to_be_visible()
    cycle.get_by_text("Show the numbers as a table").click()
    table = cycle.locator("#table-cycle_trend")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").nth(3)).to_contain_text("Too few issues (1, fewer than 3)")
    for title in ("Delivered issues per week", "Work in progress at each week's end"):
        chart = trends.locator("figure.chart").filter(has=page.get_by_role("heading", name=title))
        expect(chart.locator("svg")).to_be_visible()
    browsing.shot("trends")

    # Sprints: velocity, then the sprint's burndown, whose last row is its numbers.
    page.goto(f"/reports/sprints/?{JUNE}")
    velocity = page.locator("figure.chart").filter(
        has=page.get_by_role("heading", name="Velocity: committed and completed points")
    )
    expect(velocity.locator("svg")).to_be_visible()
    page.locator("#table-sprints").get_by_role("link", name="ENG Sprint 7").click()
    expect(page.get_by_role("heading", name="ENG Sprint 7", exact=True)).to_be_visible()
    burndown = page.locator("#burndown")
    chart = burndown.locator("figure.chart").filter(
        has=page.get_by_role("heading", name="Burndown in issues")
    )
    expect(chart.locator("svg")).to_be_visible()
    expect(chart.locator("svg polyline")).to_have_count(2)  # remaining, and the ideal line
    chart.get_by_text("Show the numbers as a table").click()
    last = chart.locator("#table-burndown tbody tr").last
    # 8 committed, ENG-99 added; all 8 completed; ENG-99 carried over.
    expect(last.locator("th")).to_have_text("Jun 13")
    expect(last.locator("td").nth(4)).to_have_text("1")
    expect(page.get_by_text("Committed 8 + added 1 − removed 0")).to_be_visible()
    browsing.shot("burndown")

    # The team's page: its trends and its people, each a link to their own page.
    page.goto(f"/reports/?{JUNE}")
    page.locator("#table-teams").get_by_role("link", name="Core").click()
    expect(page.get_by_role("heading", name="Core", exact=True)).to_be_visible()
    team_trends = page.locator("#trends")
    expect(team_trends.locator("figure.chart svg")).to_have_count(2)
    people = page.locator("#people tbody tr")
    expect(people).to_have_count(2)
    expect(people.locator("th")).to_have_text(["Ann Archer", "Ben Baker"])
    browsing.shot("team")
    # Its time in each stage, each stage a drill-down to the Flow report for the team.
    stages = page.locator("#table-team_stages tbody th a")
    expect(stages.first).to_be_visible()
    stages.first.click()
    expect(page).to_have_url(re.compile(r"/reports/flow/\?.*team=\d+"))
    expect(page.get_by_role("heading", name="Flow", exact=True)).to_be_visible()
    page.go_back()
    people.get_by_role("link", name="Ben Baker").click()
    expect(page).to_have_url(re.compile(r"/reports/contributors/\d+/\?start=2025-06-01"))
    expect(page.get_by_role("heading", name="Ben Baker", exact=True)).to_be_visible()
    browsing.assert_clean()
