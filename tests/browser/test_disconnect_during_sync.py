"""Disconnecting a site while it syncs, in a real headless Chromium: the sync stops.

Manage → Sync now → the progress bar moves while a real qcluster syncs a slowed simulator →
Disconnect… → Disconnect → the Manage page says the sync was cancelled, and it stays
stopped: Jira gets nothing more. Screenshots go to test-artifacts/browser/ (40-…).
"""

import re
import time

import pytest

from integrations.models import JiraConnection, SyncRun
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING
from tests.browser.test_realtime import _log_in
from tests.simulated import demo_connection

if not CHROMIUM.exists():
    pytest.skip(CHROMIUM_MISSING, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Slow enough that the sync of the simulator's 1000 issues takes well over a minute.
LATENCY_MS = 250
CANCELLED = "Sync cancelled: the connection was disconnected."


@pytest.mark.slow
def test_disconnect_during_a_sync_stops_it(
    browsing, task_cluster, jira_simulator, alice, acme, monkeypatch
):
    simulator = jira_simulator.simulator
    simulator.latency_ms = LATENCY_MS
    arrivals: list[float] = []
    count = simulator.count

    def counting(route):
        arrivals.append(time.monotonic())
        count(route)

    monkeypatch.setattr(simulator, "count", counting)
    connection = demo_connection(acme, project_keys="")
    manage_path = f"/settings/integrations/jira/{connection.pk}/manage/"
    page = browsing.page
    _log_in(page, alice)
    page.goto(manage_path)

    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_text("Sync queued. Progress shows below.")).to_be_visible()
    panel = page.locator("#sync-panel")
    # The page polls while the sync is queued or running: the bar shows issues coming in.
    expect(panel).to_contain_text("Syncing…", timeout=60_000)
    deadline = time.monotonic() + 60
    while not SyncRun.objects.filter(connection=connection, issues_seen__gt=0).exists():
        assert time.monotonic() < deadline, "the sync stored no page"
        page.wait_for_timeout(200)
    expect(panel).to_contain_text(re.compile(r"Syncing… [1-9]\d* of about \d+ issues"))
    browsing.shot("40-sync-running")

    page.get_by_role("link", name="Disconnect…").click()
    expect(page.get_by_role("heading", name="Disconnect acme.atlassian.net?")).to_be_visible()
    clicked_at = time.monotonic()
    page.get_by_role("button", name="Disconnect", exact=True).click()
    expect(page).to_have_url(re.compile(r"/settings/integrations/$"))
    expect(page.locator("#jira tbody tr")).to_contain_text("Disconnected")

    page.goto(manage_path)
    expect(panel).to_contain_text(CANCELLED)
    expect(panel).not_to_contain_text("Syncing")
    expect(page.locator("#status-badge")).to_have_text("Disconnected")
    browsing.shot("41-sync-cancelled")
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncRun.Status.CANCELLED
    assert 0 < run.issues_seen < 1000

    # It stays stopped: the worker sends Jira nothing more, and the page says the same.
    def last_arrival():
        return max(arrivals) if arrivals else 0.0

    quiet_since = time.monotonic()
    while time.monotonic() - max(last_arrival(), quiet_since) < 3:
        assert time.monotonic() - clicked_at < 20, "the worker kept sending requests"
        page.wait_for_timeout(200)
    stopped_after = last_arrival() - clicked_at
    print(f"last request reached Jira {stopped_after:.2f} s after Disconnect was clicked")
    assert stopped_after < 5
    sent = len(arrivals)
    page.wait_for_timeout(3000)
    page.reload()
    expect(panel).to_contain_text(CANCELLED)
    expect(panel).not_to_contain_text("Syncing")
    assert len(arrivals) == sent
    run.refresh_from_db()
    assert run.status == SyncRun.Status.CANCELLED
    assert not SyncRun.objects.filter(status=SyncRun.Status.RUNNING).exists()
    connection.refresh_from_db()
    assert connection.status == JiraConnection.Status.DISCONNECTED
    browsing.assert_clean()
