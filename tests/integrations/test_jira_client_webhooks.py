"""The Jira client's webhook calls, against `responses`."""

import json

import pytest

from integrations.jira.client import JiraClient
from integrations.jira.errors import JiraBadRequestError, JiraForbiddenError
from tests.integrations.conftest import SITE

URL = "https://pensero.example.com/hooks/jira/abc/"


@pytest.fixture
def client():
    return JiraClient(base_url=SITE, email="a@acme.test", api_token="t", sleep=lambda s: None)


def body_of(call):
    return json.loads(call.request.body)


def test_is_jira_admin_reads_the_administer_permission(client, jira_api):
    jira_api.get(
        f"{SITE}/rest/api/3/mypermissions",
        json={"permissions": {"ADMINISTER": {"key": "ADMINISTER", "havePermission": True}}},
    )
    assert client.is_jira_admin() is True
    assert "permissions=ADMINISTER" in jira_api.calls[0].request.url
    jira_api.replace("GET", f"{SITE}/rest/api/3/mypermissions", json={"permissions": {}})
    assert client.is_jira_admin() is False


def test_registering_an_admin_webhook_sends_its_secret_and_returns_its_id(client, jira_api):
    jira_api.post(
        f"{SITE}/rest/webhooks/1.0/webhook",
        status=201,
        json={"self": f"{SITE}/rest/webhooks/1.0/webhook/42", "name": "Pensero"},
    )
    webhook_id = client.register_admin_webhook(
        name="Pensero", url=URL, events=["jira:issue_updated"], jql="project = KAN", secret="s3"
    )
    assert webhook_id == "42"
    assert body_of(jira_api.calls[0]) == {
        "name": "Pensero",
        "url": URL,
        "events": ["jira:issue_updated"],
        "filters": {"issue-related-events-section": "project = KAN"},
        "excludeBody": False,
        "secret": "s3",
    }


def test_a_non_admin_gets_a_forbidden_error(client, jira_api):
    jira_api.post(
        f"{SITE}/rest/webhooks/1.0/webhook",
        status=403,
        json={"errorMessages": ["You do not have permission."], "errors": {}},
    )
    with pytest.raises(JiraForbiddenError):
        client.register_admin_webhook(name="P", url=URL, events=[], jql="", secret="s")


def test_updating_and_deleting_an_admin_webhook_use_its_id(client, jira_api):
    jira_api.put(f"{SITE}/rest/webhooks/1.0/webhook/42", json={})
    jira_api.delete(f"{SITE}/rest/webhooks/1.0/webhook/42", status=204)
    client.update_admin_webhook("42", name="P", url=URL, events=[], jql="", secret="new")
    client.delete_admin_webhook("42")
    assert body_of(jira_api.calls[0])["secret"] == "new"
    with pytest.raises(ValueError):
        client.delete_admin_webhook("../42")


def test_registering_dynamic_webhooks_returns_the_created_ids(client, jira_api):
    jira_api.post(
        f"{SITE}/rest/api/3/webhook",
        json={"webhookRegistrationResult": [{"createdWebhookId": 1000}]},
    )
    ids = client.register_dynamic_webhooks(
        url=URL, events=["jira:issue_updated"], jql="project = A"
    )
    assert ids == [1000]
    assert body_of(jira_api.calls[0]) == {
        "url": URL,
        "webhooks": [{"events": ["jira:issue_updated"], "jqlFilter": "project = A"}],
    }


def test_a_dynamic_registration_jira_refused_is_an_error_with_its_reason(client, jira_api):
    jira_api.post(
        f"{SITE}/rest/api/3/webhook",
        json={"webhookRegistrationResult": [{"errors": ["The JQL filter is invalid."]}]},
    )
    with pytest.raises(JiraBadRequestError, match="The JQL filter is invalid."):
        client.register_dynamic_webhooks(url=URL, events=["jira:issue_updated"], jql="x")


def test_refresh_list_and_delete_of_dynamic_webhooks(client, jira_api):
    jira_api.put(
        f"{SITE}/rest/api/3/webhook/refresh",
        json={"expirationDate": "2026-12-30T10:00:00.000+0000"},
    )
    jira_api.get(
        f"{SITE}/rest/api/3/webhook",
        json={"values": [{"id": 1000, "expirationDate": "x"}], "isLast": True},
    )
    jira_api.delete(f"{SITE}/rest/api/3/webhook", status=202)
    assert client.refresh_dynamic_webhooks([1000]) == "2026-12-30T10:00:00.000+0000"
    assert [w["id"] for w in client.dynamic_webhooks()] == [1000]
    client.delete_dynamic_webhooks([1000])
    assert body_of(jira_api.calls[0]) == {"webhookIds": [1000]}
    assert body_of(jira_api.calls[2]) == {"webhookIds": [1000]}
