"""Real-time updates in a real headless Chromium: an admin sets up the webhook from the
Manage page, and a change in Jira shows in the app within seconds.

Manage → the Real-time updates card (URL, JQL, events, steps) → Show secret → Register it
for me → the simulator changes an issue and delivers the change to the live server → a
real qcluster fetches it → the card counts the event and the issue page shows the change.
Screenshots go to test-artifacts/browser/ (30-realtime-card.png, …).
"""

import re
import time

import pytest
from django.utils import timezone

from integrations.models import Issue, JiraWebhook
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING
from tests.conftest import PASSWORD
from tests.simulated import demo_connection

if not CHROMIUM.exists():
    pytest.skip(CHROMIUM_MISSING, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DELIVERY_SECONDS = 30


def _log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


@pytest.mark.slow
def test_admin_sets_up_real_time_updates(
    browsing, task_cluster, jira_simulator, live_server, settings, alice, acme
):
    settings.PUBLIC_BASE_URL = live_server.url
    # A connection that has synced (its first full sync is the journey's subject, not this one's).
    connection = demo_connection(
        acme,
        project_keys="KAN,ENG",
        sync_watermark=timezone.now(),
        last_synced_at=timezone.now(),
    )
    page = browsing.page
    _log_in(page, alice)
    page.goto(f"/settings/integrations/jira/{connection.pk}/manage/")

    card = page.locator("#realtime")
    expect(card.get_by_role("heading", name="Real-time updates")).to_be_visible()
    webhook = JiraWebhook.objects.get(connection=connection)
    expect(card.locator("#webhook-url")).to_have_text(
        f"{live_server.url}/hooks/jira/{webhook.url_token}/"
    )
    expect(card.locator("#webhook-jql")).to_have_text("project in (KAN, ENG)")
    expect(card).to_contain_text("Issue: created, Issue: updated, Issue: deleted")
    expect(card).to_contain_text("Create a WebHook")
    expect(card.locator("#webhook-health")).to_contain_text("None yet")
    expect(card).not_to_contain_text(webhook.secret.reveal())
    browsing.shot("30-realtime-card")

    # The secret, on request only.
    card.get_by_role("button", name="Show secret").click()
    expect(
        page.get_by_role("heading", name="Webhook secret for acme.atlassian.net")
    ).to_be_visible()
    expect(page.locator("#webhook-secret")).to_have_text(webhook.secret.reveal())
    browsing.shot("31-realtime-secret")
    page.get_by_role("link", name="Back to acme.atlassian.net").click()

    # The demo account is a Jira admin: the app registers the webhook itself.
    page.locator("#realtime").get_by_role("button", name="Register it for me").click()
    expect(
        page.get_by_text("Registered in Jira: changes now arrive within seconds.")
    ).to_be_visible()
    webhook.refresh_from_db()
    expect(page.locator("#realtime")).to_contain_text(f"(webhook {webhook.admin_webhook_id})")
    browsing.shot("32-realtime-registered")

    # A change in Jira: delivered to the live server, fetched by the worker.
    site = jira_simulator.simulator.site("acme")
    issue_id = next(i for i, t in site.truth().items() if t["project"] == "KAN")
    site.update_issue(issue_id, summary="Changed in Jira a moment ago", status="Done")
    deadline = time.monotonic() + DELIVERY_SECONDS
    while not Issue.objects.filter(
        connection=connection, jira_id=int(issue_id), summary="Changed in Jira a moment ago"
    ).exists():
        assert time.monotonic() < deadline, "the change never arrived"
        time.sleep(0.2)

    page.reload()
    health = page.locator("#webhook-health")
    expect(health).not_to_contain_text("None yet")
    expect(health).to_contain_text(re.compile(r"Events in the last 24 hours\s*[1-9]"))
    browsing.shot("33-realtime-event-received")

    issue = Issue.objects.get(connection=connection, jira_id=int(issue_id))
    page.goto(f"/issues/{issue.pk}/")
    expect(page.get_by_text("Changed in Jira a moment ago").first).to_be_visible()
    browsing.shot("34-realtime-issue-page")
    browsing.assert_clean()
