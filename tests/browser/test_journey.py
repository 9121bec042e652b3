"""A new admin's first visit, in a real headless Chromium against the live app.

Sign up → create a workspace → connect the Jira simulator with an API token (a wrong
token first) → watch the first sync's progress bar fill while a real qcluster runs it →
change the projects on the Manage page → Reports with charts → a contributor's
drill-down → CSV downloads → Sprints, a sprint's page and an issue's category →
Investment by story points → a new investment rule → disconnect, keeping the data.

Each step leaves a screenshot in test-artifacts/browser/ (01-signup.png, …).
"""

import csv
import re
import time

import pytest

from integrations.models import JiraConnection, SyncRun
from jira_simulator import DEMO_EMAIL, DEMO_TOKEN
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING
from tests.conftest import PASSWORD

if not CHROMIUM.exists():
    pytest.skip(CHROMIUM_MISSING, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_ADMIN = "dana@initech.test"
SYNC_SECONDS = 90


def _table_headers(page, table_id: str) -> list[str]:
    texts = page.locator(f"#{table_id} thead th").all_inner_texts()
    return [re.sub(r"[▲▼]", "", text).strip() for text in texts]


def _read_csv(download) -> list[list[str]]:
    with open(download.path(), encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _panel_state(page) -> dict:
    return page.evaluate(
        """() => {
            const panel = document.getElementById("sync-panel");
            const bar = panel && panel.querySelector("progress");
            return {
                running: panel ? panel.getAttribute("data-running") : null,
                text: panel ? panel.innerText : "",
                value: bar && bar.hasAttribute("value") ? Number(bar.getAttribute("value")) : null,
                max: bar ? Number(bar.getAttribute("max")) : null,
                bar: !!bar,
            };
        }"""
    )


@pytest.mark.slow
def test_new_admin_journey(browsing, task_cluster, jira_simulator):
    page = browsing.page
    progress_polls = []
    page.on(
        "response",
        lambda response: (
            progress_polls.append(response.status)
            if re.search(r"/settings/integrations/jira/\d+/progress/$", response.url)
            else None
        ),
    )

    # Sign up with email and password.
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill(NEW_ADMIN)
    page.get_by_placeholder("Password", exact=True).fill(PASSWORD)
    page.get_by_placeholder("Password (again)", exact=True).fill(PASSWORD)
    browsing.shot("01-signup")
    page.get_by_role("button", name=re.compile("sign up", re.I)).click()

    # Without a workspace yet, the app asks for one.
    expect(page).to_have_url(re.compile(r"/workspaces/new/$"))
    expect(page.get_by_role("heading", name="Create a workspace")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Initech")
    browsing.shot("02-create-workspace")
    page.get_by_role("button", name="Create workspace").click()

    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_text("Workspace “Initech” created. You are its admin.")).to_be_visible()
    expect(page.get_by_role("heading", name="No data yet")).to_be_visible()
    browsing.shot("03-dashboard-empty")
    page.get_by_role("link", name="Go to Settings → Integrations").click()

    # Integrations → Connect → Connect using API Token.
    expect(page.get_by_role("heading", name="Integrations", exact=True)).to_be_visible()
    expect(page.get_by_text("No Jira site connected yet.")).to_be_visible()
    page.locator("#jira summary", has_text="Connect").click()
    browsing.shot("04-integrations-connect-menu")
    page.get_by_role("link", name="Connect using API Token").click()

    # A wrong token: Jira's refusal shows on the form, and nothing is saved.
    expect(page.get_by_role("heading", name="Connect Jira with an API token")).to_be_visible()
    page.get_by_label("Jira site").fill("acme")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("API token").fill("not-the-token")
    browsing.shot("05-connect-form")
    page.get_by_role("button", name="Connect Jira").click()
    expect(page.get_by_text("Jira rejected this email and API token")).to_be_visible()
    expect(page.get_by_label("API token")).to_have_value("")
    expect(page.get_by_label("Jira site")).to_have_value("acme")
    browsing.shot("06-connect-wrong-token")
    assert not JiraConnection.objects.exists()

    # The right token: the connection is saved and its first sync queued for the cluster.
    page.get_by_label("API token").fill(DEMO_TOKEN)
    page.get_by_role("button", name="Connect Jira").click()
    expect(page).to_have_url(re.compile(r"/settings/integrations/jira/\d+/manage/$"))
    expect(page.get_by_text("Connected acme.atlassian.net.")).to_be_visible()
    connection = JiraConnection.objects.get()
    manage_path = f"/settings/integrations/jira/{connection.pk}/manage/"

    # The progress bar. The page polls only if it was rendered with a run going; when the
    # worker has not started the run yet, it says "Not synced yet." and a person reloads.
    browsing.shot("07-manage-after-connect")
    state = first_render = _panel_state(page)
    deadline = time.monotonic() + 20
    while not state["bar"] and "Last synced" not in state["text"]:
        assert time.monotonic() < deadline, f"no sync started: {state}"
        page.wait_for_timeout(300)
        page.reload()
        state = _panel_state(page)

    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    readings = []
    partial_shot = False
    deadline = time.monotonic() + SYNC_SECONDS
    while "Last synced" not in state["text"]:
        assert time.monotonic() < deadline, f"the sync did not finish: {state}"
        if state["bar"]:
            readings.append(state["value"])
            assert state["max"] == 100
            if not partial_shot and state["value"] is not None and 0 < state["value"] < 100:
                expect(page.locator("#sync-panel")).to_contain_text("Syncing…")
                browsing.shot("08-sync-progress")
                partial_shot = True
        page.wait_for_timeout(100)
        state = _panel_state(page)
    # The panel got there by polling, without reloading the page.
    assert navigations == [], navigations
    assert progress_polls and set(progress_polls) == {200}, progress_polls
    values = [v for v in readings if v is not None]
    assert values, f"no <progress> with a value was seen: {readings}"
    assert all(0 <= v <= 100 for v in values), values
    assert any(0 < v < 100 for v in values), f"the bar never showed partial progress: {values}"
    assert values == sorted(values), f"the bar went backwards: {values}"
    expect(page.locator("#sync-panel")).to_contain_text("Last synced")
    expect(page.locator("#sync-panel progress")).to_have_count(0)
    expect(page.locator("#sync-history")).to_contain_text("Succeeded")
    expect(page.locator("#status-badge")).to_contain_text("Active")
    browsing.shot("09-sync-finished")
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.issues_seen == jira_simulator.simulator.issue_count

    # Manage: change the projects; the token field stays blank and the token is kept.
    token_before = JiraConnection.objects.get().api_token.reveal()
    page.get_by_label("Projects").fill("KAN,ENG")
    expect(page.get_by_label("API token")).to_have_value("")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(re.compile(re.escape(manage_path) + "$"))
    expect(page.get_by_text("Saved. The new settings apply from the next sync.")).to_be_visible()
    expect(page.get_by_label("Projects")).to_have_value("KAN,ENG")
    expect(page.get_by_label("API token")).to_have_value("")
    browsing.shot("10-manage-saved")
    connection.refresh_from_db()
    assert connection.project_key_list == ["KAN", "ENG"]
    assert connection.api_token.reveal() == token_before

    # Reports: charts drawn as inline SVG, and a contributors table.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Delivery analysis", exact=True)).to_be_visible()
    charts = page.locator("figure.chart")
    for title in ("Delivered issues per week", "Cycle time distribution", "Score distribution"):
        chart = charts.filter(has=page.get_by_role("heading", name=title))
        expect(chart.locator("svg")).to_be_visible()
    # No teams yet: their chart is the only empty one.
    expect(charts.filter(has_text="No team delivered anything in this period")).to_have_count(1)
    expect(charts.locator("svg")).to_have_count(charts.count() - 1)
    # Trends: the weekly cycle time as a line, its numbers in the table beside it.
    trend = page.locator("#trends figure.chart").filter(
        has=page.get_by_role("heading", name="Cycle time per week")
    )
    expect(trend.locator("svg polyline").first).to_be_attached()
    trend.get_by_text("Show the numbers as a table").click()
    expect(trend.locator("#table-cycle_trend tbody tr").first).to_be_visible()
    expect(page.get_by_text("Last synced:")).to_be_visible()
    contributors = page.locator("#table-contributors tbody tr")
    assert contributors.count() > 1
    browsing.shot("11-reports")

    # The contributors CSV is the table on the page.
    section = page.locator("section", has=page.get_by_role("heading", name="Contributors"))
    with page.expect_download() as download_info:
        section.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert re.fullmatch(r"initech-contributors-.+\.csv", download.suggested_filename)
    rows = _read_csv(download)
    assert rows[0] == _table_headers(page, "table-contributors")
    assert rows[0][:2] == ["Person", "Delivered issues"]
    assert [row[0] for row in rows[1:]] == contributors.locator("th").all_inner_texts()

    # Most delivered first, then the top contributor's drill-down.
    page.locator("#table-contributors thead").get_by_role("link", name="Delivered issues").click()
    expect(page.locator("#table-contributors thead th[aria-sort]")).to_contain_text(
        "Delivered issues"
    )
    # The top row with a drill-down link ("Unassigned" has none).
    top = page.locator("#table-contributors tbody tr").filter(has=page.locator("th a")).first
    name = top.locator("th").inner_text()
    delivered = int(top.locator("td").first.inner_text())
    assert delivered > 0
    top.get_by_role("link", name=name).click()
    expect(page).to_have_url(re.compile(r"/reports/contributors/\d+/\?"))
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=f"Delivered issues ({delivered})")).to_be_visible()
    browsing.shot("12-contributor")

    # The contributor's issues as CSV: every delivered issue, not just the first page.
    with page.expect_download() as download_info:
        page.locator(".section-head").get_by_role("link", name="Download CSV").click()
    rows = _read_csv(download_info.value)
    assert rows[0] == _table_headers(page, "table-issues")
    assert rows[0][:2] == ["Key", "Summary"]
    assert len(rows) - 1 == delivered
    assert all(re.fullmatch(r"[A-Z]+-\d+", row[0]) for row in rows[1:])
    first_keys = page.locator("#table-issues tbody th").all_inner_texts()
    assert [row[0] for row in rows[1 : len(first_keys) + 1]] == first_keys
    issues_before = connection.issues.count()

    # Sprints: commitment, scope change and carry-over charts, each sprint's numbers.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_role("navigation", name="Reports").get_by_role("link", name="Sprints").click()
    expect(page.get_by_role("heading", name="Sprints", exact=True)).to_be_visible()
    charts = page.locator("figure.chart")
    for title in (
        "Committed and completed issues per sprint",
        "Scope change per sprint",
        "Carried over per sprint",
    ):
        expect(
            charts.filter(has=page.get_by_role("heading", name=title)).locator("svg")
        ).to_be_visible()
    sprints = page.locator("#table-sprints tbody tr")
    assert sprints.count() > 3
    browsing.shot("12a-sprints")
    section = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Sprints")))
    with page.expect_download() as download_info:
        section.get_by_role("link", name="Download CSV").click()
    rows = _read_csv(download_info.value)
    assert rows[0] == _table_headers(page, "table-sprints")
    assert [row[0] for row in rows[1:]] == sprints.locator("th").all_inner_texts()
    # A closed sprint's page: its numbers add up, and its issues are listed by group.
    closed = sprints.filter(has_text="Closed").last
    name = closed.locator("th").inner_text()
    # Cells after the row's header: the headers less the first (Site only for several sites).
    committed_cell = _table_headers(page, "table-sprints").index("Committed") - 1
    committed = int(closed.locator("td").nth(committed_cell).inner_text())
    closed.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=f"Committed ({committed})")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Committed \d+ \+ added \d+ − removed"))).to_be_visible()
    # Its burndown, whose last row is its numbers.
    burndown = page.locator("#burndown figure.chart").filter(
        has=page.get_by_role("heading", name="Burndown in issues")
    )
    expect(burndown.locator("svg")).to_be_visible()
    burndown.get_by_text("Show the numbers as a table").click()
    expect(burndown.locator("#table-burndown tbody tr").last).to_be_visible()
    browsing.shot("12b-sprint")
    first_issue = page.locator("table.keyed tbody th a").first
    key = first_issue.inner_text()
    first_issue.click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(key)))).to_be_visible()
    expect(page.get_by_text(re.compile(r"(Rule \d+ placed it|No rule matched)"))).to_be_visible()
    expect(page.get_by_role("link", name=name)).to_be_visible()  # the sprints it was in
    browsing.shot("12c-issue-investment")

    # Investment: the share of delivered work per month, by the measure chosen.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_role("navigation", name="Reports").get_by_role("link", name="Investment").click()
    expect(page.get_by_role("heading", name="Investment", exact=True)).to_be_visible()
    expect(page.locator("figure.chart svg")).to_have_count(3)
    page.get_by_label("Share of", exact=True).select_option("story_points")
    page.get_by_role("button", name="Apply").click()
    expect(
        page.get_by_role("heading", name="Share of delivered work per month, by story points")
    ).to_be_visible()
    assert page.locator("#table-epics tbody tr").count() > 0
    browsing.shot("12d-investment")

    # Settings → Investment: a new first rule sends performance work to Tech debt.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Investment").click()
    expect(page.get_by_role("heading", name="Investment categories")).to_be_visible()
    blank = page.locator("#rules tbody tr").nth(6)
    blank.locator("select").first.select_option("label")
    blank.locator("input[type=text]").fill("perf")
    blank.locator("select").last.select_option("Tech debt")
    blank.locator("input[type=number]").fill("0")
    page.get_by_role("button", name="Save rules").click()
    expect(page.get_by_text("Rules saved. Reports use them now.")).to_be_visible()
    expect(page.locator("#rules tbody tr").first.locator("input[type=text]")).to_have_value("perf")
    browsing.shot("12e-investment-settings")

    # Disconnect from the Manage page, keeping the synced data.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.locator("#jira tbody tr")).to_have_count(1)
    expect(page.locator("#jira tbody tr")).to_contain_text("Active")
    expect(page.locator("#jira tbody tr")).to_contain_text("KAN,ENG")
    browsing.shot("13-integrations-connected")
    page.locator("#jira tbody").get_by_role("link", name="Manage").click()
    page.get_by_role("link", name="Disconnect…").click()
    expect(page.get_by_role("heading", name="Disconnect acme.atlassian.net?")).to_be_visible()
    delete_data = page.get_by_label("Also delete the issues, comments and links synced")
    expect(delete_data).not_to_be_checked()
    browsing.shot("14-disconnect-confirm")
    page.get_by_role("button", name="Disconnect", exact=True).click()

    expect(page).to_have_url(re.compile(r"/settings/integrations/$"))
    expect(
        page.get_by_text("Disconnected acme.atlassian.net. Its synced data stays in reports.")
    ).to_be_visible()
    row = page.locator("#jira tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Disconnected")
    browsing.shot("15-integrations-disconnected")
    connection.refresh_from_db()
    assert connection.status == JiraConnection.Status.DISCONNECTED
    assert connection.issues.count() == issues_before

    # The data stays in reports.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.locator("#table-contributors tbody tr")).to_have_count(contributors.count())
    browsing.shot("16-reports-after-disconnect")

    print(f"Manage page right after connecting: {first_render}")
    browsing.assert_clean()


def test_member_sees_reports_but_not_settings(browsing, bob):
    page = browsing.page
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Password").fill(PASSWORD)
    browsing.shot("20-member-login")
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()

    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Reports")).to_be_visible()
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)
    expect(page.get_by_text("An admin of this workspace needs to connect Jira")).to_be_visible()
    browsing.shot("21-member-dashboard")

    nav.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Delivery analysis", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Settings")).to_have_count(0)
    browsing.shot("22-member-reports")

    response = page.goto("/settings/integrations/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You can't open this page")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings")
    ).to_have_count(0)
    browsing.shot("23-member-settings-403")

    # Chromium reports the 403 document itself as a failed resource.
    browsing.assert_clean(allowed_console=(r"status of 403 .*/settings/integrations/",))
