"""Setting webhooks up against the simulator: Register it for me, automatic OAuth registration,
refresh before expiry, new secrets, and changes arriving end to end at a live server."""

import threading
import time
from datetime import timedelta

import pytest
from django import db
from django.urls import reverse
from django.utils import timezone

from integrations.models import AtlassianGrant, Issue, JiraConnection, JiraWebhook
from integrations.sync.run import sync_connection
from integrations.webhooks import processing, setup
from integrations.webhooks.events import ADMIN_EVENTS
from integrations.webhooks.signatures import SECRET_GRACE
from integrations.webhooks.tasks import look_after_webhooks_task
from jira_simulator import (
    DEMO_EMAIL,
    DEMO_TOKEN,
    LIMITED_EMAIL,
    LIMITED_TOKEN,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    JiraSimulator,
)
from pensero.encryption import Secret
from tests.integrations.test_oauth_sync import sign_in_with_atlassian
from tests.integrations.webhook_helpers import payload, post_admin
from tests.simulated import serving

pytestmark = pytest.mark.django_db(transaction=True)
PUBLIC = "http://127.0.0.1:8999"  # loopback: the simulator delivers nowhere else
REFRESH = "/rest/api/3/webhook/refresh"


@pytest.fixture
def simulator(settings, monkeypatch):
    sim = JiraSimulator(seed=13, issues=120, projects=("KAN", "ENG"))
    sim.webhooks.max_retries = 0  # nothing listens at PUBLIC unless a test starts a server
    with serving(sim, settings) as running:
        settings.PUBLIC_BASE_URL = PUBLIC
        settings.ATLASSIAN_CLIENT_ID = OAUTH_CLIENT_ID
        settings.ATLASSIAN_CLIENT_SECRET = OAUTH_CLIENT_SECRET
        settings.ATLASSIAN_AUTH_URL = f"{running.url}/authorize"
        settings.ATLASSIAN_TOKEN_URL = f"{running.url}/oauth/token"
        settings.ATLASSIAN_API_URL = running.url
        monkeypatch.setattr(processing, "COALESCE_SECONDS", 0)
        yield sim


def _token_connection(workspace, email=DEMO_EMAIL, token=DEMO_TOKEN, projects="KAN,ENG"):
    return JiraConnection.objects.create(
        workspace=workspace,
        subdomain="acme",
        email=email,
        api_token=Secret(token),
        project_keys=projects,
    )


def manage_page(client, connection) -> str:
    return client.get(reverse("jira_manage", args=[connection.pk])).content.decode()


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


# -- admin webhooks (API token) ----------------------------------------------------------------


def test_register_it_for_me_adds_the_admin_webhook_in_jira(alice_client, acme, simulator):
    connection = _token_connection(acme)
    response = alice_client.post(
        reverse("jira_webhook_register", args=[connection.pk]), follow=True
    )
    assert "Registered in Jira" in response.content.decode()
    webhook = JiraWebhook.objects.get(connection=connection)
    (registration,) = simulator.webhooks.registrations("acme")
    assert registration.kind == "admin"
    assert registration.url == f"{PUBLIC}/hooks/jira/{webhook.url_token}/"
    assert registration.secret == webhook.secret.reveal()
    assert registration.jql == "project in (KAN, ENG)"
    assert list(registration.events) == ADMIN_EVENTS
    assert webhook.admin_webhook_id == str(registration.id)
    assert webhook.account_is_admin is True
    page = manage_page(alice_client, connection)
    assert f"(webhook {registration.id})" in page and "Register it again" in page


def test_a_double_click_on_register_registers_one_webhook(acme, simulator):
    """Two registrations at once (a double click, two workers): one talks to Jira."""
    connection = _token_connection(acme)
    setup.webhook_for(connection)
    simulator.latency_ms = 300  # both clicks arrive while Jira is still answering the first
    outcomes = []

    def click():
        try:
            outcomes.append(setup.register_admin_webhook(connection).admin_webhook_id)
        except setup.WebhookSetupFailed as failure:
            outcomes.append(failure.message)
        finally:
            db.connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (registration,) = simulator.webhooks.registrations("acme")
    webhook = JiraWebhook.objects.get(connection=connection)
    assert webhook.admin_webhook_id == str(registration.id)
    registered, refused = sorted(outcomes, key=lambda outcome: outcome != str(registration.id))
    assert registered == str(registration.id)
    assert "being registered right now" in refused
    assert webhook.registering_since is None  # released


def test_an_account_that_isnt_a_jira_admin_is_told_to_ask_one(alice_client, acme, simulator):
    connection = _token_connection(acme, LIMITED_EMAIL, LIMITED_TOKEN, projects="KAN")
    response = alice_client.post(
        reverse("jira_webhook_register", args=[connection.pk]), follow=True
    )
    page = response.content.decode()
    assert f"{LIMITED_EMAIL} isn&#x27;t a Jira admin" in page
    assert "Register it for me" not in page  # the button is gone; the steps stay
    assert "Create a WebHook" in page
    assert simulator.webhooks.registrations() == []


def test_the_admin_check_after_connecting_decides_the_button(acme, simulator):
    admin = _token_connection(acme)
    assert setup.set_up(admin) == "admin rights checked"
    assert JiraWebhook.objects.get(connection=admin).account_is_admin is True
    admin.delete()
    limited = _token_connection(acme, LIMITED_EMAIL, LIMITED_TOKEN, projects="KAN")
    setup.set_up(limited)
    assert JiraWebhook.objects.get(connection=limited).account_is_admin is False


def test_a_new_secret_goes_to_the_registered_webhook_and_the_old_one_stops_after_a_grace(
    alice_client, client, acme, simulator
):
    connection = _token_connection(acme)
    alice_client.post(reverse("jira_webhook_register", args=[connection.pk]))
    webhook = JiraWebhook.objects.get(connection=connection)
    old = webhook.secret.reveal()
    response = alice_client.post(reverse("jira_webhook_rotate", args=[connection.pk]), follow=True)
    assert "the webhook in Jira has the new one" in response.content.decode()
    webhook.refresh_from_db()
    new = webhook.secret.reveal()
    assert new != old
    (registration,) = simulator.webhooks.registrations("acme")
    assert registration.secret == new
    url = reverse("jira_webhook_delivery", args=[webhook.url_token])
    # Deliveries Jira signed just before the rotation (or retries of them) still count...
    assert post_admin(client, url, payload(), secret=old, identifier="a").status_code == 202
    assert post_admin(client, url, payload(), secret=new, identifier="b").status_code == 202
    # ...for SECRET_GRACE, not after.
    JiraWebhook.objects.filter(pk=webhook.pk).update(
        secret_set_at=timezone.now() - SECRET_GRACE - timedelta(seconds=1)
    )
    assert post_admin(client, url, payload(), secret=old, identifier="c").status_code == 401
    assert post_admin(client, url, payload(), secret=new, identifier="d").status_code == 202


def test_a_change_of_projects_gives_the_registered_webhook_the_new_filter(
    alice_client, acme, simulator
):
    connection = _token_connection(acme)
    alice_client.post(reverse("jira_webhook_register", args=[connection.pk]))
    alice_client.post(
        reverse("jira_manage", args=[connection.pk]),
        {"email": DEMO_EMAIL, "api_token": "", "projects": "ENG"},
    )
    (registration,) = simulator.webhooks.registrations("acme")
    assert registration.jql == "project in (ENG)"


def test_disconnecting_removes_the_webhook_from_jira(alice_client, acme, simulator):
    connection = _token_connection(acme)
    alice_client.post(reverse("jira_webhook_register", args=[connection.pk]))
    assert simulator.webhooks.registrations("acme")
    alice_client.post(reverse("jira_disconnect", args=[connection.pk]), {"delete_data": ""})
    assert simulator.webhooks.registrations("acme") == []


def test_a_change_in_jira_reaches_the_app_through_its_admin_webhook(
    alice_client, acme, simulator, live_server, settings
):
    settings.PUBLIC_BASE_URL = live_server.url
    simulator.webhooks.max_retries = 5
    connection = _token_connection(acme)
    sync_connection(connection)
    alice_client.post(reverse("jira_webhook_register", args=[connection.pk]))
    issue_id = next(iter(simulator.site("acme").truth()))
    simulator.site("acme").update_issue(issue_id, summary="Pushed by Jira", status="Done")
    assert wait_for(
        lambda: (
            Issue.objects.get(connection=connection, jira_id=int(issue_id)).summary
            == "Pushed by Jira"
        )
    )
    assert Issue.objects.get(connection=connection, jira_id=int(issue_id)).status == "Done"
    page = manage_page(alice_client, connection)
    assert "Last event received" in page and "None yet" not in page


# -- dynamic webhooks (OAuth) ------------------------------------------------------------------


@pytest.fixture
def oauth_connection(alice_client, acme, simulator):
    """Connect with Atlassian: the first sync and the webhook set-up run on commit."""
    sign_in_with_atlassian(alice_client, reverse("jira_oauth_start"))
    return JiraConnection.objects.get()


def test_connecting_with_atlassian_registers_dynamic_webhooks(
    alice_client, oauth_connection, simulator
):
    webhook = JiraWebhook.objects.get(connection=oauth_connection)
    (registration,) = simulator.webhooks.registrations("acme")
    assert registration.kind == "dynamic"
    assert registration.url == f"{PUBLIC}/hooks/jira/app/"
    assert registration.jql == "project in (ENG, KAN)"
    assert webhook.dynamic_webhook_ids == [registration.id]
    assert webhook.expires_at - timezone.now() > timedelta(days=29)
    page = manage_page(alice_client, oauth_connection)
    assert "Registered in Jira automatically" in page
    assert "manage:jira-webhook" in page  # among the connection's scopes


def test_dynamic_webhooks_are_refreshed_before_they_expire(oauth_connection, simulator):
    webhook = JiraWebhook.objects.get(connection=oauth_connection)
    (registration,) = simulator.webhooks.registrations("acme")
    look_after_webhooks_task()
    assert simulator.request_counts[REFRESH] == 0  # 30 days left: nothing to do

    JiraWebhook.objects.filter(pk=webhook.pk).update(expires_at=timezone.now() + timedelta(days=5))
    registration.expires_ms = simulator.site("acme").clock() + 5 * 86_400_000
    look_after_webhooks_task()
    assert simulator.request_counts[REFRESH] == 1
    webhook.refresh_from_db()
    assert webhook.expires_at - timezone.now() > timedelta(days=29)
    assert registration.expires_ms - simulator.site("acme").clock() > 29 * 86_400_000
    assert webhook.dynamic_webhook_ids == [registration.id]


def test_an_expired_dynamic_webhook_is_registered_again(oauth_connection, simulator):
    webhook = JiraWebhook.objects.get(connection=oauth_connection)
    (old,) = simulator.webhooks.registrations("acme")
    simulator.webhooks.expire(old.id)  # say the daily task was down for a month
    JiraWebhook.objects.filter(pk=webhook.pk).update(expires_at=timezone.now() - timedelta(days=1))
    look_after_webhooks_task()
    webhook.refresh_from_db()
    live = [
        r for r in simulator.webhooks.registrations("acme") if r.expires_ms > time.time() * 1000
    ]
    assert [r.id for r in live] == webhook.dynamic_webhook_ids != [old.id]
    assert webhook.expires_at > timezone.now() + timedelta(days=29)


def test_registering_again_adds_the_new_webhook_before_removing_the_old(
    oauth_connection, simulator
):
    (old,) = simulator.webhooks.registrations("acme")
    simulator.reset_counts()
    setup.register_dynamic_webhooks(oauth_connection)
    calls = [(r.method, r.path) for r in simulator.request_log if "/rest/api/3/webhook" in r.path]
    assert [method for method, _ in calls] == ["POST", "DELETE"]
    (new,) = simulator.webhooks.registrations("acme")
    assert new.id != old.id
    assert JiraWebhook.objects.get(connection=oauth_connection).dynamic_webhook_ids == [new.id]


def test_a_site_answering_with_a_flood_of_webhook_ids_is_not_believed(
    oauth_connection, simulator, monkeypatch
):
    from integrations.jira.client import JiraClient

    monkeypatch.setattr(
        JiraClient, "register_dynamic_webhooks", lambda self, **_: list(range(1, 200_001))
    )
    setup.register_dynamic_webhooks(oauth_connection)
    stored = JiraWebhook.objects.get(connection=oauth_connection).dynamic_webhook_ids
    assert stored == list(range(1, setup.MAX_DYNAMIC_IDS + 1))


def test_a_change_in_jira_reaches_the_app_through_dynamic_webhooks(
    alice_client, acme, simulator, live_server, settings
):
    settings.PUBLIC_BASE_URL = live_server.url
    simulator.webhooks.max_retries = 5
    sign_in_with_atlassian(alice_client, reverse("jira_oauth_start"))
    connection = JiraConnection.objects.get()
    issue_id = next(iter(simulator.site("acme").truth()))
    simulator.site("acme").update_issue(issue_id, summary="Pushed to the OAuth app")
    assert wait_for(
        lambda: (
            Issue.objects.get(connection=connection, jira_id=int(issue_id)).summary
            == "Pushed to the OAuth app"
        )
    )


def test_a_connection_authorised_without_the_webhook_scope_is_asked_to_reconnect(
    alice_client, oauth_connection, simulator
):
    AtlassianGrant.objects.filter(pk=oauth_connection.grant_id).update(
        scopes="read:jira-work read:jira-user read:me offline_access"
    )
    JiraWebhook.objects.filter(connection=oauth_connection).update(dynamic_webhook_ids=[])
    response = alice_client.post(
        reverse("jira_webhook_register", args=[oauth_connection.pk]), follow=True
    )
    page = response.content.decode()
    assert "authorised without the manage:jira-webhook permission" in page
    assert "Reconnect" in page
