"""Shared pieces of the OAuth tests: Atlassian's endpoints mocked with `responses`."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from django.db import connection as db_connection
from django.urls import reverse
from django.utils import timezone

from integrations.models import AtlassianGrant, JiraConnection
from pensero.encryption import Secret

AUTH_URL = "https://auth.atlassian.com/authorize"
TOKEN_URL = "https://auth.atlassian.com/oauth/token"
API_URL = "https://api.atlassian.com"
RESOURCES_URL = f"{API_URL}/oauth/token/accessible-resources"
ME_URL = f"{API_URL}/me"
CLIENT_ID = "pensero-test-client"
CLIENT_SECRET = "CANARY-client-secret-5e4d3c"
CALLBACK_URL = "http://testserver/settings/integrations/jira/oauth/callback/"
CLOUD_ACME = "0a1b2c3d-1111-4222-8333-444455556666"
CLOUD_GLOBEX = "9f8e7d6c-aaaa-4bbb-8ccc-ddddeeeeffff"
ACCESS_TOKEN = "CANARY-access-0f1e2d3c4b5a"
REFRESH_TOKEN = "CANARY-refresh-a5b4c3d2e1f0"
NEW_ACCESS_TOKEN = "CANARY-access-NEW-77aa88bb"
NEW_REFRESH_TOKEN = "CANARY-refresh-NEW-99cc00dd"
SCOPE = "read:jira-work read:jira-user read:me offline_access"
JIRA_SCOPES = ["read:jira-work", "read:jira-user"]
GRANTER = "alice.admin@acme.test"


def configure(settings):
    settings.ATLASSIAN_CLIENT_ID = CLIENT_ID
    settings.ATLASSIAN_CLIENT_SECRET = CLIENT_SECRET
    settings.ATLASSIAN_AUTH_URL = AUTH_URL
    settings.ATLASSIAN_TOKEN_URL = TOKEN_URL
    settings.ATLASSIAN_API_URL = API_URL


def site(cloud_id, subdomain, scopes=JIRA_SCOPES):
    return {
        "id": cloud_id,
        "name": subdomain.title(),
        "url": f"https://{subdomain}.atlassian.net",
        "scopes": scopes,
        "avatarUrl": "https://example.test/a.png",
    }


def token_body(access=ACCESS_TOKEN, refresh=REFRESH_TOKEN, expires_in=3600, scope=SCOPE):
    body = {"access_token": access, "expires_in": expires_in, "token_type": "Bearer"}
    body["scope"] = scope
    if refresh:
        body["refresh_token"] = refresh
    return body


def mock_grant(mock, sites=None, *, email=GRANTER, token=None):
    """The token exchange, the site list and /me, all answering well."""
    mock.post(TOKEN_URL, json=token or token_body())
    mock.get(RESOURCES_URL, json=[site(CLOUD_ACME, "acme")] if sites is None else sites)
    mock.get(ME_URL, json={"account_id": "x1", "email": email, "name": "Alice"})


def start(client, url_name="jira_oauth_start", *args) -> dict:
    """Follow the Connect link; returns the query of the authorize redirect."""
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(AUTH_URL + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def callback(client, **params):
    return client.get(reverse("jira_oauth_callback"), params)


def connect(client, mock, sites=None):
    """The whole flow up to the callback; returns the callback response."""
    mock_grant(mock, sites)
    state = start(client)["state"]
    return callback(client, code="the-code", state=state)


def token_requests(mock):
    return [json.loads(c.request.body) for c in mock.calls if c.request.url == TOKEN_URL]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def oauth_connection(
    workspace, *, subdomain="acme", cloud_id=CLOUD_ACME, expires_in=3600, grant=None, **kw
):
    """An OAuth connection as the flow stores it, with a grant of its own or `grant`'s."""
    if grant is None:
        grant = AtlassianGrant.objects.create(
            workspace=workspace,
            access_token=Secret(ACCESS_TOKEN),
            refresh_token=Secret(REFRESH_TOKEN),
            expires_at=timezone.now() + timedelta(seconds=expires_in),
            scopes=SCOPE,
            granted_by=GRANTER,
            granted_at=timezone.now(),
        )
    connection = JiraConnection.objects.create(
        workspace=workspace,
        subdomain=subdomain,
        cloud_id=cloud_id,
        auth_type=JiraConnection.AuthType.OAUTH,
        grant=grant,
        **kw,
    )
    connection.refresh_from_db()  # the tokens read back as stored: ciphertext only
    return connection


def raw_grant_tokens() -> list[str | None]:
    """Every grant's token columns as the database holds them."""
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM integrations_atlassiangrant")
        return [value for row in cursor.fetchall() for value in row]
