"""The simulator's webhooks over real HTTP: registrations, signed deliveries, retries, expiry."""

import hashlib
import hmac
import json

import jwt
import pytest
import requests

from jira_simulator import (
    DEMO_EMAIL,
    DEMO_TOKEN,
    LIMITED_EMAIL,
    LIMITED_TOKEN,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    JiraSimulator,
    start_simulator,
)
from tests.jira_simulator.oauth_helpers import bearer, grant
from tests.jira_simulator.receiver import Receiver

EVENTS = ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created"]
SECRET = "the-webhook-secret-0123456789abcdef"
WEBHOOK_SCOPES = "read:jira-work manage:jira-webhook offline_access"


@pytest.fixture
def simulator():
    sim = JiraSimulator(seed=4, issues=60, projects=("KAN", "ENG"))
    sim.webhooks.retry_base_seconds = 0.05
    return sim


@pytest.fixture
def server(simulator):
    with start_simulator(simulator) as running:
        yield running


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


def register_admin(server, url, *, jql="", secret=SECRET, auth=(DEMO_EMAIL, DEMO_TOKEN)):
    body = {
        "name": "Pensero",
        "url": url,
        "events": EVENTS,
        "filters": {"issue-related-events-section": jql},
        "secret": secret,
    }
    return requests.post(
        f"{server.site_url('acme')}/rest/webhooks/1.0/webhook", json=body, auth=auth, timeout=10
    )


def gateway(server, simulator):
    return f"{server.url}/ex/jira/{simulator.site('acme').cloud_id}"


def register_dynamic(server, simulator, token, url, jql="project in (KAN, ENG)"):
    return requests.post(
        f"{gateway(server, simulator)}/rest/api/3/webhook",
        json={"url": url, "webhooks": [{"events": EVENTS, "jqlFilter": jql}]},
        headers=bearer(token),
        timeout=10,
    )


def test_an_admin_webhook_gets_each_change_signed_with_its_secret(server, simulator, receiver):
    response = register_admin(server, receiver.url)
    assert response.status_code == 201
    assert response.json()["self"].rsplit("/", 1)[1].isdigit()
    site = simulator.site("acme")

    site.update_issue("10001", summary="Renamed by a webhook test")
    site.add_comment("10002", "A comment")
    created = site.create_issue("KAN", summary="Brand new")
    deleted = site.delete_issue("10003")
    assert simulator.webhooks.wait_idle()

    # Several senders post at once: like Jira's, deliveries may arrive in any order.
    by_event = {}
    for body in receiver.bodies():
        by_event.setdefault(body["webhookEvent"], []).append(body)
    assert {event: len(bodies) for event, bodies in by_event.items()} == {
        "jira:issue_updated": 1,
        "comment_created": 1,
        "jira:issue_created": 1,
        "jira:issue_deleted": len(deleted),
    }
    (updated,) = by_event["jira:issue_updated"]
    assert updated["issue"]["fields"]["summary"] == "Renamed by a webhook test"
    assert updated["changelog"]["items"][0]["field"] == "summary"
    assert by_event["comment_created"][0]["comment"]["body"]["type"] == "doc"
    assert by_event["jira:issue_created"][0]["issue"]["id"] == created
    assert {b["issue"]["id"] for b in by_event["jira:issue_deleted"]} == set(deleted)
    for request in receiver.received:
        expected = hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
        assert request["headers"]["X-Hub-Signature"] == f"sha256={expected}"
        assert request["headers"]["X-Atlassian-Webhook-Identifier"]
    identifiers = [r["headers"]["X-Atlassian-Webhook-Identifier"] for r in receiver.received]
    assert len(set(identifiers)) == len(identifiers)


def test_only_jira_admins_register_admin_webhooks(server, simulator, receiver):
    response = register_admin(server, receiver.url, auth=(LIMITED_EMAIL, LIMITED_TOKEN))
    assert response.status_code == 403
    permissions = requests.get(
        f"{server.site_url('acme')}/rest/api/3/mypermissions?permissions=ADMINISTER",
        auth=(LIMITED_EMAIL, LIMITED_TOKEN),
        timeout=10,
    ).json()
    assert permissions["permissions"]["ADMINISTER"]["havePermission"] is False
    assert simulator.webhooks.registrations() == []


def test_the_jql_filter_limits_deliveries_to_its_projects(server, simulator, receiver):
    register_admin(server, receiver.url, jql="project in (ENG)")
    site = simulator.site("acme")
    truth = site.truth()
    kan = next(i for i, t in truth.items() if t["project"] == "KAN")
    eng = next(i for i, t in truth.items() if t["project"] == "ENG")
    site.update_issue(kan, summary="Not for this webhook")
    site.update_issue(eng, summary="For this webhook")
    assert simulator.webhooks.wait_idle()
    assert [b["issue"]["id"] for b in receiver.bodies()] == [eng]


def test_a_refused_delivery_is_retried_with_the_same_identifier(server, simulator):
    flaky = Receiver(statuses=[503, 429], retry_after=0)
    try:
        register_admin(server, flaky.url)
        simulator.site("acme").update_issue("10001", summary="Eventually delivered")
        assert simulator.webhooks.wait_idle()
        assert len(flaky.received) == 3
        identifiers = {r["headers"]["X-Atlassian-Webhook-Identifier"] for r in flaky.received}
        assert len(identifiers) == 1
        assert [r["headers"].get("X-Atlassian-Webhook-Retry") for r in flaky.received] == [
            None,
            "1",
            "2",
        ]
    finally:
        flaky.close()


def test_deliveries_can_come_late_twice_and_out_of_order(server, simulator, receiver):
    simulator.webhooks.configure(duplicate_rate=0.5, reorder_rate=0.5, reorder_ms=300)
    register_admin(server, receiver.url)
    site = simulator.site("acme")
    for n in range(30):
        site.update_issue("10001", summary=f"Version {n}")
    assert simulator.webhooks.wait_idle()
    summaries = [b["issue"]["fields"]["summary"] for b in receiver.bodies()]
    assert len(summaries) > 30  # some twice
    assert set(summaries) == {f"Version {n}" for n in range(30)}
    assert summaries != sorted(summaries, key=lambda s: int(s.split()[1]))  # some overtaken


def test_dynamic_webhooks_are_for_oauth_apps_and_signed_with_a_jwt(server, simulator, receiver):
    basic = requests.post(
        f"{server.site_url('acme')}/rest/api/3/webhook",
        json={"url": receiver.url, "webhooks": [{"events": EVENTS, "jqlFilter": "project = KAN"}]},
        auth=(DEMO_EMAIL, DEMO_TOKEN),
        timeout=10,
    )
    assert basic.status_code == 403
    token = grant(server, scope=WEBHOOK_SCOPES)["access_token"]
    response = register_dynamic(server, simulator, token, receiver.url)
    assert response.status_code == 200
    (result,) = response.json()["webhookRegistrationResult"]
    webhook_id = result["createdWebhookId"]

    simulator.site("acme").update_issue("10001", summary="Pushed to the app")
    assert simulator.webhooks.wait_idle()
    (request,) = receiver.received
    scheme, _, token_sent = request["headers"]["Authorization"].partition(" ")
    assert scheme == "Bearer"
    claims = jwt.decode(
        token_sent, OAUTH_CLIENT_SECRET, algorithms=["HS256"], issuer=OAUTH_CLIENT_ID
    )
    assert claims["context"]["cloudId"] == simulator.site("acme").cloud_id
    assert json.loads(request["body"])["matchedWebhookIds"] == [webhook_id]


def test_dynamic_webhooks_need_the_webhook_scope_and_one_url(server, simulator, receiver):
    without_scope = grant(server, scope="read:jira-work offline_access")["access_token"]
    assert register_dynamic(server, simulator, without_scope, receiver.url).status_code == 401
    token = grant(server, scope=WEBHOOK_SCOPES)["access_token"]
    assert register_dynamic(server, simulator, token, receiver.url).status_code == 200
    other = register_dynamic(server, simulator, token, "http://127.0.0.1:9/elsewhere/")
    assert other.status_code == 400
    assert "single URL" in other.json()["errorMessages"][0]


def test_dynamic_webhooks_expire_unless_refreshed(server, simulator, receiver):
    token = grant(server, scope=WEBHOOK_SCOPES)["access_token"]
    headers = bearer(token)
    webhook_id = register_dynamic(server, simulator, token, receiver.url).json()[
        "webhookRegistrationResult"
    ][0]["createdWebhookId"]
    listed = requests.get(
        f"{gateway(server, simulator)}/rest/api/3/webhook", headers=headers, timeout=10
    ).json()
    assert [w["id"] for w in listed["values"]] == [webhook_id]

    refreshed = requests.put(
        f"{gateway(server, simulator)}/rest/api/3/webhook/refresh",
        json={"webhookIds": [webhook_id]},
        headers=headers,
        timeout=10,
    )
    assert refreshed.status_code == 200 and refreshed.json()["expirationDate"]

    simulator.webhooks.expire(webhook_id)
    simulator.site("acme").update_issue("10001", summary="Nobody hears this")
    assert simulator.webhooks.wait_idle()
    assert receiver.received == []
    listed = requests.get(
        f"{gateway(server, simulator)}/rest/api/3/webhook", headers=headers, timeout=10
    ).json()
    assert listed["values"] == []  # expired webhooks are gone, as in Jira
