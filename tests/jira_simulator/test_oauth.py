"""The simulator playing Atlassian's OAuth 2.0 (3LO) server, over real HTTP."""

import pytest
import requests

from jira_simulator import (
    DEMO_EMAIL,
    DEMO_TOKEN,
    LIMITED_EMAIL,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    JiraSimulator,
    start_simulator,
)
from tests.jira_simulator.oauth_helpers import (
    CALLBACK,
    SCOPES,
    authorize,
    bearer,
    exchange,
    grant,
    redirect_query,
    refresh,
)


def get(url, **kwargs):
    return requests.get(url, timeout=10, **kwargs)


def post(url, **kwargs):
    return requests.post(url, timeout=10, **kwargs)


@pytest.fixture
def simulator():
    sim = JiraSimulator(seed=3, issues=40)
    sim.oauth.sites = ["acme", "globex"]
    return sim


@pytest.fixture
def server(simulator):
    with start_simulator(simulator) as running:
        yield running


@pytest.fixture
def tokens(server):
    return grant(server)


def test_authorize_consents_and_redirects_back_with_a_code_and_the_state(server):
    query = redirect_query(authorize(server))
    assert query["state"] == "state-123"
    assert len(query["code"]) > 20


def test_authorize_keeps_a_query_already_in_the_redirect_uri(server):
    response = authorize(server, redirect_uri=CALLBACK + "?next=1")
    assert "?next=1&code=" in response.headers["Location"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "someone-else"},
        {"state": None},
        {"response_type": "token"},
        {"audience": None},
        {"redirect_uri": "javascript:alert(1)"},
    ],
)
def test_authorize_rejects_a_bad_request(server, overrides):
    response = authorize(server, **overrides)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_authorize_can_deny_consent(server, simulator):
    query = redirect_query(authorize(server, deny="1"))
    assert query == {
        "error": "access_denied",
        "error_description": "The user declined.",
        "state": "state-123",
    }
    simulator.oauth.deny_consent = True
    assert redirect_query(authorize(server))["error"] == "access_denied"


def test_the_code_exchange_returns_tokens_and_scopes(tokens):
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["scope"] == SCOPES
    assert tokens["access_token"] and tokens["refresh_token"]


def test_a_code_works_once_and_only_with_its_redirect_uri(server):
    code = redirect_query(authorize(server))["code"]
    wrong = exchange(server, code, redirect_uri="http://evil.test/cb")
    assert (wrong.status_code, wrong.json()["error"]) == (403, "invalid_grant")
    assert exchange(server, code).status_code == 200
    again = exchange(server, code)
    assert (again.status_code, again.json()["error"]) == (403, "invalid_grant")


def test_the_token_endpoint_checks_the_client_secret(server):
    code = redirect_query(authorize(server))["code"]
    response = post(
        f"{server.url}/oauth/token",
        json={
            "grant_type": "authorization_code",
            "client_id": OAUTH_CLIENT_ID,
            "client_secret": "wrong",
            "code": code,
            "redirect_uri": CALLBACK,
        },
    )
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


def test_the_token_endpoint_accepts_a_form_body_too(server):
    code = redirect_query(authorize(server))["code"]
    response = post(
        f"{server.url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": OAUTH_CLIENT_ID,
            "client_secret": OAUTH_CLIENT_SECRET,
            "code": code,
            "redirect_uri": CALLBACK,
        },
    )
    assert response.status_code == 200


def test_no_refresh_token_without_offline_access(server):
    code = redirect_query(authorize(server, scope="read:jira-work"))["code"]
    assert "refresh_token" not in exchange(server, code).json()


def test_a_refresh_rotates_the_refresh_token(server, simulator, tokens):
    first = refresh(server, tokens["refresh_token"])
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert rotated["access_token"] != tokens["access_token"]
    second = refresh(server, rotated["refresh_token"])
    assert second.status_code == 200
    assert simulator.oauth.token_counts["refresh_token"] == 2
    assert simulator.oauth.token_counts["reuse"] == 0


def test_a_retired_refresh_token_is_honoured_during_the_grace_period(server, simulator, tokens):
    assert refresh(server, tokens["refresh_token"]).status_code == 200
    assert refresh(server, tokens["refresh_token"]).status_code == 200
    assert simulator.oauth.token_counts["reuse"] == 1


def test_reusing_a_retired_refresh_token_later_revokes_the_whole_grant(server, simulator, tokens):
    now = [1_000_000.0]
    simulator.oauth.clock = lambda: now[0]
    code = redirect_query(authorize(server))["code"]
    grant = exchange(server, code).json()
    newest = refresh(server, grant["refresh_token"]).json()
    now[0] += simulator.oauth.reuse_grace_seconds + 1
    reused = refresh(server, grant["refresh_token"])
    assert (reused.status_code, reused.json()["error"]) == (403, "invalid_grant")
    # The whole family is dead: the newest refresh token and its access token too.
    assert refresh(server, newest["refresh_token"]).json()["error"] == "invalid_grant"
    resources = get(
        f"{server.url}/oauth/token/accessible-resources", headers=bearer(newest["access_token"])
    )
    assert resources.status_code == 401


def test_an_unknown_refresh_token_is_an_invalid_grant(server):
    response = refresh(server, "sim-rt-nope")
    assert (response.status_code, response.json()["error"]) == (403, "invalid_grant")


def test_accessible_resources_lists_the_granted_sites(server, simulator, tokens):
    response = get(
        f"{server.url}/oauth/token/accessible-resources", headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 200
    sites = response.json()
    assert [(s["id"], s["name"], s["url"]) for s in sites] == [
        (simulator.site("acme").cloud_id, "acme", "https://acme.atlassian.net"),
        (simulator.site("globex").cloud_id, "globex", "https://globex.atlassian.net"),
    ]
    assert sites[0]["scopes"] == ["read:jira-work", "read:jira-user"]


def test_accessible_resources_needs_a_valid_bearer_token(server):
    url = f"{server.url}/oauth/token/accessible-resources"
    assert get(url).status_code == 401
    assert get(url, headers=bearer("sim-at-made-up")).status_code == 401
    assert get(url, auth=(DEMO_EMAIL, DEMO_TOKEN)).status_code == 401


def test_me_tells_the_granting_account(server, tokens, simulator):
    me = get(f"{server.url}/me", headers=bearer(tokens["access_token"])).json()
    assert me["email"] == DEMO_EMAIL
    simulator.oauth.account_email = LIMITED_EMAIL
    code = redirect_query(authorize(server, scope="read:jira-work"))["code"]
    other = exchange(server, code).json()
    response = get(f"{server.url}/me", headers=bearer(other["access_token"]))
    assert response.status_code == 401  # read:me not granted


def test_jira_answers_through_the_gateway_with_a_bearer_token(server, simulator, tokens):
    cloud_id = simulator.site("acme").cloud_id
    base = f"{server.url}/ex/jira/{cloud_id}"
    myself = get(f"{base}/rest/api/3/myself", headers=bearer(tokens["access_token"]))
    assert myself.status_code == 200
    assert myself.json()["emailAddress"] == DEMO_EMAIL
    page = post(
        f"{base}/rest/api/3/search/jql",
        json={"jql": "project in (KAN)", "fields": ["summary"], "maxResults": 5},
        headers=bearer(tokens["access_token"]),
    )
    assert page.status_code == 200
    issue = page.json()["issues"][0]
    assert issue["self"].startswith(f"{base}/rest/api/3/issue/")
    # The same site's data as under /s/acme with Basic auth.
    basic = get(
        f"{server.url}/s/acme/rest/api/3/issue/{issue['id']}?fields=summary",
        auth=(DEMO_EMAIL, DEMO_TOKEN),
    )
    assert basic.json()["fields"]["summary"] == issue["fields"]["summary"]


def test_the_gateway_refuses_what_atlassian_refuses(server, simulator, tokens):
    acme = f"{server.url}/ex/jira/{simulator.site('acme').cloud_id}"
    token = bearer(tokens["access_token"])
    # Basic auth isn't a 3LO token; a 3LO token doesn't work on the site's own host.
    assert get(f"{acme}/rest/api/3/myself", auth=(DEMO_EMAIL, DEMO_TOKEN)).status_code == 401
    assert get(f"{server.url}/s/acme/rest/api/3/myself", headers=token).status_code == 401
    # dev-status is private: no OAuth scope covers it.
    summary = get(f"{acme}/rest/dev-status/latest/issue/summary?issueId=10001", headers=token)
    assert summary.status_code == 401
    # A cloud id nobody granted.
    unknown = get(
        f"{server.url}/ex/jira/00000000-0000-0000-0000-000000000000/rest/api/3/myself",
        headers=token,
    )
    assert unknown.status_code == 404
    # serverInfo needs no auth, as on the site's host.
    assert get(f"{acme}/rest/api/3/serverInfo").status_code == 200


def test_a_token_without_the_jira_scope_gets_a_scope_mismatch(server, simulator):
    code = redirect_query(authorize(server, scope="read:jira-user offline_access"))["code"]
    token = bearer(exchange(server, code).json()["access_token"])
    acme = f"{server.url}/ex/jira/{simulator.site('acme').cloud_id}"
    assert get(f"{acme}/rest/api/3/myself", headers=token).status_code == 200
    fields = get(f"{acme}/rest/api/3/field", headers=token)
    assert fields.status_code == 401
    assert fields.json()["message"] == "Unauthorized; scope does not match"


def test_an_expired_access_token_gets_401_and_a_refresh_fixes_it(server, simulator, tokens):
    acme = f"{server.url}/ex/jira/{simulator.site('acme').cloud_id}"
    simulator.oauth.expire_access_tokens()
    expired = get(f"{acme}/rest/api/3/myself", headers=bearer(tokens["access_token"]))
    assert expired.status_code == 401
    fresh = refresh(server, tokens["refresh_token"]).json()
    again = get(f"{acme}/rest/api/3/myself", headers=bearer(fresh["access_token"]))
    assert again.status_code == 200


def test_a_grant_covers_only_its_sites(server, simulator, tokens):
    simulator.oauth.sites = ["initech"]
    code = redirect_query(authorize(server))["code"]
    initech_token = exchange(server, code).json()["access_token"]
    acme = f"{server.url}/ex/jira/{simulator.site('acme').cloud_id}"
    assert get(f"{acme}/rest/api/3/myself", headers=bearer(initech_token)).status_code == 401
    assert (
        get(f"{acme}/rest/api/3/myself", headers=bearer(tokens["access_token"])).status_code == 200
    )


def test_the_agile_api_needs_the_board_scope(server, simulator, tokens):
    acme = f"{server.url}/ex/jira/{simulator.site('acme').cloud_id}"
    refused = get(f"{acme}/rest/agile/1.0/board/2", headers=bearer(tokens["access_token"]))
    assert refused.status_code == 401
    assert refused.json()["message"] == "Unauthorized; scope does not match"
    code = redirect_query(authorize(server, scope=f"{SCOPES} read:board-scope:jira-software"))
    token = bearer(exchange(server, code["code"]).json()["access_token"])
    assert get(f"{acme}/rest/agile/1.0/board/2", headers=token).json()["name"] == "ENG board"
