"""Credentials stored under a key no longer in FIELD_ENCRYPTION_KEYS: the run fails at once, clearly."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.urls import reverse

from integrations.models import JiraConnection, SyncRun
from integrations.sync.run import sync_connection
from tests.integrations import oauth_helpers
from tests.integrations.conftest import mock_myself, mock_projects

pytestmark = pytest.mark.django_db

NEW_TOKEN = "RETYPED-token-0123456789abcd"


@pytest.fixture
def keys_changed(settings):
    """Swap FIELD_ENCRYPTION_KEYS for a new key, without rotating what is stored."""

    def change():
        settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    return change


def _manage(connection):
    return reverse("jira_manage", args=[connection.pk])


def test_a_sync_fails_at_once_and_the_connection_needs_attention(
    acme_connection, jira_api, keys_changed, alice_client
):
    keys_changed()
    run = sync_connection(acme_connection)

    assert run.status == SyncRun.Status.FAILED
    assert "FIELD_ENCRYPTION_KEYS" in run.error
    assert "Restore the old key" in run.error
    assert "enter the API token again" in run.error
    assert run.finished_at is not None
    assert not jira_api.calls  # nothing was sent to Jira
    acme_connection.refresh_from_db()
    assert acme_connection.status == JiraConnection.Status.NEEDS_ATTENTION
    assert acme_connection.last_error == run.error
    page = alice_client.get(_manage(acme_connection)).content.decode()
    assert "needs attention" in page and "Restore the old key" in page
    assert "Running" not in page


def test_entering_the_token_again_fixes_the_connection(
    acme_connection, jira_api, keys_changed, alice_client
):
    keys_changed()
    sync_connection(acme_connection)
    mock_myself(jira_api)
    mock_projects(jira_api, ["ENG", "KAN"])

    response = alice_client.post(
        _manage(acme_connection),
        {"email": "alice@acme.test", "api_token": NEW_TOKEN, "projects": "ENG,KAN"},
    )

    assert response.status_code == 302
    acme_connection.refresh_from_db()
    assert acme_connection.status == JiraConnection.Status.ACTIVE
    assert acme_connection.api_token.reveal() == NEW_TOKEN


def test_saving_the_manage_form_without_a_token_asks_for_it(
    acme_connection, jira_api, keys_changed, alice_client
):
    keys_changed()
    response = alice_client.post(
        _manage(acme_connection), {"email": "alice@acme.test", "api_token": "", "projects": "ENG"}
    )

    assert response.status_code == 200
    assert "Enter the API token again" in response.content.decode()
    assert not jira_api.calls
    acme_connection.refresh_from_db()
    assert acme_connection.project_key_list == ["ENG", "KAN"]


def test_an_oauth_connection_says_to_reconnect(acme, jira_api, keys_changed, settings):
    oauth_helpers.configure(settings)
    connection = oauth_helpers.oauth_connection(acme)
    keys_changed()
    run = sync_connection(connection)

    assert run.status == SyncRun.Status.FAILED
    assert "FIELD_ENCRYPTION_KEYS" in run.error and "choose Reconnect" in run.error
    assert not jira_api.calls
    connection.refresh_from_db()
    assert connection.status == JiraConnection.Status.NEEDS_ATTENTION


def test_sync_jira_prints_what_to_do(acme_connection, jira_api, keys_changed):
    keys_changed()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="failed"):
        call_command("sync_jira", "--connection", str(acme_connection.pk), stdout=out, stderr=err)
    assert "Failed" in out.getvalue()
    assert "Restore the old key to FIELD_ENCRYPTION_KEYS" in err.getvalue()
