"""Going through the simulator's Atlassian sign-in as an OAuth app does, over HTTP."""

from urllib.parse import parse_qs, urlsplit

import requests

from jira_simulator import OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET

SCOPES = "read:jira-work read:jira-user read:me offline_access"
CALLBACK = "http://app.test/settings/integrations/jira/oauth/callback/"


def authorize(server, **overrides):
    params = {
        "audience": "api.atlassian.com",
        "client_id": OAUTH_CLIENT_ID,
        "scope": SCOPES,
        "redirect_uri": CALLBACK,
        "state": "state-123",
        "response_type": "code",
        "prompt": "consent",
        **overrides,
    }
    params = {k: v for k, v in params.items() if v is not None}
    return requests.get(f"{server.url}/authorize", params=params, allow_redirects=False, timeout=10)


def redirect_query(response):
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(CALLBACK)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def token_request(server, **body):
    body = {"client_id": OAUTH_CLIENT_ID, "client_secret": OAUTH_CLIENT_SECRET, **body}
    return requests.post(f"{server.url}/oauth/token", json=body, timeout=10)


def exchange(server, code, redirect_uri=CALLBACK):
    return token_request(
        server, grant_type="authorization_code", code=code, redirect_uri=redirect_uri
    )


def refresh(server, refresh_token):
    return token_request(server, grant_type="refresh_token", refresh_token=refresh_token)


def grant(server, scope=SCOPES) -> dict:
    """The tokens of a consent to `scope`: access_token, refresh_token, expires_in, scope."""
    response = exchange(server, redirect_query(authorize(server, scope=scope))["code"])
    assert response.status_code == 200
    return response.json()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}
