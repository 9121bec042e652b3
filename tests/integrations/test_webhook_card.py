"""The Manage page's Real-time updates card: what it shows, and the secret only on request."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import AtlassianGrant, JiraConnection, JiraWebhook, SyncRun, WebhookEvent
from integrations.webhooks.setup import webhook_for
from tests.integrations.oauth_helpers import SCOPE, configure, oauth_connection

pytestmark = pytest.mark.django_db
PUBLIC = "https://pensero.example.com"


@pytest.fixture
def public_url(settings):
    settings.PUBLIC_BASE_URL = PUBLIC


def manage(client, connection) -> str:
    response = client.get(reverse("jira_manage", args=[connection.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_what_to_paste_into_jira_but_not_the_secret(
    alice_client, acme_connection, public_url
):
    page = manage(alice_client, acme_connection)
    webhook = JiraWebhook.objects.get(connection=acme_connection)
    assert "Real-time updates" in page
    assert f"{PUBLIC}/hooks/jira/{webhook.url_token}/" in page
    assert "project in (ENG, KAN)" in page
    assert "Issue: created, Issue: updated, Issue: deleted, Comment: created" in page
    assert "System → WebHooks" in page and "Create a WebHook" in page
    assert "Register it for me" in page
    assert webhook.secret.reveal() not in page
    # An unguessable token, never the connection's id.
    assert webhook.url_token != str(acme_connection.pk) and len(webhook.url_token) >= 32
    assert f"/hooks/jira/{acme_connection.pk}/" not in page


def test_the_secret_is_shown_on_request_only(alice_client, acme_connection, public_url):
    url = reverse("jira_webhook_secret", args=[acme_connection.pk])
    assert alice_client.get(url).status_code == 405
    response = alice_client.post(url)
    secret = webhook_for(acme_connection).secret.reveal()
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_replacing_the_secret_keeps_the_url(alice_client, acme_connection, public_url):
    webhook = webhook_for(acme_connection)
    old_secret, token = webhook.secret.reveal(), webhook.url_token
    response = alice_client.post(reverse("jira_webhook_rotate", args=[acme_connection.pk]))
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert webhook.secret.reveal() != old_secret and webhook.url_token == token


def test_without_a_public_url_it_says_what_to_set(alice_client, acme_connection, settings):
    settings.PUBLIC_BASE_URL = ""
    page = manage(alice_client, acme_connection)
    assert "set <code>PUBLIC_BASE_URL</code>" in page
    assert "/hooks/jira/" not in page and "Register it for me" not in page


def test_it_reports_the_events_received(alice_client, acme_connection, public_url):
    webhook = webhook_for(acme_connection)
    now = timezone.now()
    for n, age in enumerate([timedelta(minutes=5), timedelta(hours=2), timedelta(days=2)]):
        WebhookEvent.objects.create(
            connection=acme_connection,
            identifier=f"e{n}",
            event="jira:issue_updated",
            received_at=now - age,
        )
    JiraWebhook.objects.filter(pk=webhook.pk).update(last_event_at=now - timedelta(minutes=5))
    page = manage(alice_client, acme_connection)
    assert "<dt>Events in the last 24 hours</dt><dd>2</dd>" in page
    assert "5\xa0minutes ago" in page
    assert "No event arrived" not in page


def test_it_warns_when_events_stopped_while_the_sync_found_changes(
    alice_client, acme_connection, public_url
):
    webhook = webhook_for(acme_connection)
    JiraWebhook.objects.filter(pk=webhook.pk).update(
        admin_webhook_id="7", last_event_at=timezone.now() - timedelta(days=3)
    )
    SyncRun.objects.create(
        connection=acme_connection,
        kind=SyncRun.Kind.INCREMENTAL,
        status=SyncRun.Status.SUCCEEDED,
        started_at=timezone.now() - timedelta(hours=1),
        heartbeat_at=timezone.now(),
        issues_updated=12,
    )
    page = manage(alice_client, acme_connection)
    assert "No event arrived in the last 24 hours, yet the scheduled sync found 12 changed" in page


def test_no_warning_before_webhooks_were_ever_set_up(alice_client, acme_connection, public_url):
    SyncRun.objects.create(
        connection=acme_connection,
        kind=SyncRun.Kind.INCREMENTAL,
        status=SyncRun.Status.SUCCEEDED,
        started_at=timezone.now() - timedelta(hours=1),
        heartbeat_at=timezone.now(),
        issues_updated=12,
    )
    assert "No event arrived" not in manage(alice_client, acme_connection)


def test_an_oauth_connection_shows_its_automatic_registration(
    alice_client, acme, public_url, settings
):
    configure(settings)
    connection = oauth_connection(acme)
    AtlassianGrant.objects.filter(pk=connection.grant_id).update(
        scopes=f"{SCOPE} manage:jira-webhook"
    )
    JiraWebhook.objects.create(
        connection=connection,
        url_token="t" * 43,
        dynamic_webhook_ids=[3],
        registered_jql="project in (KAN)",
        expires_at=timezone.now() + timedelta(days=30),
    )
    page = manage(alice_client, connection)
    assert "Registered in Jira automatically" in page
    assert f"{PUBLIC}/hooks/jira/app/" in page
    assert "Show secret" not in page  # Atlassian signs these deliveries


def test_an_oauth_connection_without_the_scope_is_asked_to_reconnect(
    alice_client, acme, public_url, settings
):
    configure(settings)
    connection = oauth_connection(acme)
    page = manage(alice_client, connection)
    assert "authorised without the <code>manage:jira-webhook</code> permission" in page
    assert reverse("jira_oauth_reconnect", args=[connection.pk]) in page


def test_a_disconnected_connection_has_no_card(alice_client, acme_connection, public_url):
    JiraConnection.objects.filter(pk=acme_connection.pk).update(
        status=JiraConnection.Status.DISCONNECTED
    )
    assert "Real-time updates" not in manage(alice_client, acme_connection)
    response = alice_client.post(reverse("jira_webhook_secret", args=[acme_connection.pk]))
    assert response.status_code == 404
