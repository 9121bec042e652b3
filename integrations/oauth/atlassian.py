"""The only place that talks HTTP to Atlassian's OAuth 2.0 (3LO) endpoints.

The authorize URL, the token endpoint (code exchange and refresh), the sites a grant
covers (accessible-resources) and the granting account (/me). Every URL comes from
settings (ATLASSIAN_AUTH_URL, ATLASSIAN_TOKEN_URL, ATLASSIAN_API_URL); redirects are
never followed; errors become one `AtlassianOAuthError` whose text never contains a
token, a code or the client secret.
https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings

from integrations.jira import transport
from integrations.jira.sites import (
    InvalidCloudId,
    InvalidSubdomain,
    check_cloud_id,
    parse_subdomain,
)

logger = logging.getLogger(__name__)

AUDIENCE = "api.atlassian.com"
# read:me is for the granting account's email (/me); offline_access for a refresh token;
# manage:jira-webhook to register the dynamic webhooks that push changes (real-time updates).
SCOPES = ("read:jira-work", "read:jira-user", "manage:jira-webhook", "read:me", "offline_access")
JIRA_SCOPE = "read:jira-work"
# Token responses are a few hundred bytes; the deadline covers the whole exchange.
LIMITS = transport.Limits(
    connect_timeout=10.0, read_timeout=15.0, deadline=30.0, max_body_bytes=transport.MB
)
DEFAULT_EXPIRES_IN = 3600
_ERROR_CODE_RE = re.compile(r"[a-z_]{1,40}\Z")


class AtlassianOAuthError(Exception):
    """Atlassian refused or failed. `permanent`: retrying won't help; `code`: the OAuth error."""

    def __init__(self, message: str, *, permanent: bool, code: str = "", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code
        self.status = status

    @property
    def invalid_grant(self) -> bool:
        """The refresh token (or code) is expired, revoked or reused: the user must consent again."""
        return self.code == "invalid_grant"


@dataclass(frozen=True, repr=False)
class Tokens:
    """What the token endpoint answered: `expires_in` is the access token's, in seconds."""

    access_token: str
    refresh_token: str
    expires_in: int
    scope: str

    def __repr__(self) -> str:
        return f"<Tokens scope={self.scope!r} expires_in={self.expires_in} (tokens redacted)>"


@dataclass(frozen=True)
class JiraSite:
    """A Jira Cloud site a grant covers, from accessible-resources."""

    cloud_id: str
    subdomain: str
    name: str

    @property
    def host(self) -> str:
        return f"{self.subdomain}.atlassian.net"


def is_configured() -> bool:
    return bool(settings.ATLASSIAN_CLIENT_ID and settings.ATLASSIAN_CLIENT_SECRET)


def authorize_url(*, state: str, redirect_uri: str) -> str:
    """Where to send the admin's browser to consent (prompt=consent shows the site picker)."""
    query = {
        "audience": AUDIENCE,
        "client_id": settings.ATLASSIAN_CLIENT_ID,
        "scope": " ".join(SCOPES),
        "redirect_uri": redirect_uri,
        "state": state,
        "response_type": "code",
        "prompt": "consent",
    }
    return f"{settings.ATLASSIAN_AUTH_URL}?{urlencode(query)}"


def _send(method: str, url: str, *, what: str, **kwargs) -> Any:
    """One request; the parsed JSON body, or AtlassianOAuthError."""
    try:
        # Bounded like every Jira request (a token refresh runs inside a sync's request),
        # and only the configured Atlassian URLs: no proxies or netrc from the environment.
        with transport.bounded_session(pool_size=1) as session:
            response, content = transport.fetch(session, method, url, limits=LIMITS, **kwargs)
    except (requests.RequestException, transport.DeadlinePassed, transport.BodyTooLarge) as error:
        # Not chained: the request object of the exception carries the secrets.
        logger.warning("Atlassian %s: %s", what, type(error).__name__)
        raise AtlassianOAuthError(
            f"Atlassian's {what} didn't answer. Try again in a moment.", permanent=False
        ) from None
    try:
        body = transport.parse_json(content)
    except ValueError:
        body = None
    if response.status_code >= 500 or (200 <= response.status_code < 300 and body is None):
        logger.warning("Atlassian %s: HTTP %s", what, response.status_code)
        raise AtlassianOAuthError(
            f"Atlassian's {what} failed (HTTP {response.status_code}). Try again in a moment.",
            permanent=False,
            status=response.status_code,
        )
    if not 200 <= response.status_code < 300:
        code = body.get("error") if isinstance(body, dict) else None
        code = code if isinstance(code, str) and _ERROR_CODE_RE.match(code) else ""
        logger.warning("Atlassian %s: HTTP %s %s", what, response.status_code, code)
        if code == "invalid_grant":
            message = "Atlassian no longer accepts this authorization (expired or revoked)."
        elif code in ("invalid_client", "unauthorized_client"):
            message = (
                "Atlassian rejected the app's client id or secret: check ATLASSIAN_CLIENT_ID "
                "and ATLASSIAN_CLIENT_SECRET."
            )
        else:
            message = f"Atlassian refused the {what} (HTTP {response.status_code}{', ' + code if code else ''})."
        raise AtlassianOAuthError(message, permanent=True, code=code, status=response.status_code)
    return body


def _token_request(body: dict) -> Tokens:
    payload = {
        "client_id": settings.ATLASSIAN_CLIENT_ID,
        "client_secret": settings.ATLASSIAN_CLIENT_SECRET,
        **body,
    }
    data = _send("POST", settings.ATLASSIAN_TOKEN_URL, what="token service", json=payload)
    access = data.get("access_token") if isinstance(data, dict) else None
    refresh = data.get("refresh_token") if isinstance(data, dict) else None
    if not isinstance(access, str) or not access:
        raise AtlassianOAuthError(
            "Atlassian's token service sent a response without a token. Try again.",
            permanent=False,
        )
    expires_in = data.get("expires_in")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in <= 0:
        expires_in = DEFAULT_EXPIRES_IN
    scope = data.get("scope")
    return Tokens(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) else "",
        expires_in=min(expires_in, 86_400),
        scope=" ".join(scope.split()) if isinstance(scope, str) else "",
    )


def exchange_code(*, code: str, redirect_uri: str) -> Tokens:
    """POST {ATLASSIAN_TOKEN_URL} grant_type=authorization_code."""
    return _token_request(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    )


def refresh_tokens(*, refresh_token: str) -> Tokens:
    """POST {ATLASSIAN_TOKEN_URL} grant_type=refresh_token. The answer holds a NEW refresh token.

    Atlassian rotates refresh tokens: the one sent is retired (tolerated ~10 minutes).
    """
    tokens = _token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})
    if not tokens.refresh_token:
        raise AtlassianOAuthError(
            "Atlassian's token service sent no new refresh token. Try again.", permanent=False
        )
    return tokens


def _bearer_get(path: str, access_token: str, *, what: str) -> Any:
    url = f"{settings.ATLASSIAN_API_URL.rstrip('/')}{path}"
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    return _send("GET", url, what=what, headers=headers)


def accessible_jira_sites(*, access_token: str) -> list[JiraSite]:
    """GET /oauth/token/accessible-resources: the Jira sites the grant covers.

    Resources without a Jira scope (e.g. Confluence) and entries whose id or URL is not a
    plain cloud id or *.atlassian.net site are left out.
    """
    data = _bearer_get("/oauth/token/accessible-resources", access_token, what="site list")
    if not isinstance(data, list):
        raise AtlassianOAuthError(
            "Atlassian sent a site list of an unexpected shape. Try again.", permanent=False
        )
    sites: list[JiraSite] = []
    for resource in data:
        if not isinstance(resource, dict):
            continue
        scopes = resource.get("scopes")
        if not isinstance(scopes, list) or JIRA_SCOPE not in scopes:
            continue
        try:
            cloud_id = check_cloud_id(resource.get("id"))
            subdomain = parse_subdomain(resource.get("url"))
        except (InvalidCloudId, InvalidSubdomain):
            logger.warning("Skipping an accessible resource with an unexpected id or url")
            continue
        name = resource.get("name")
        if all(site.cloud_id != cloud_id for site in sites):
            sites.append(
                JiraSite(cloud_id, subdomain, name[:200] if isinstance(name, str) else subdomain)
            )
    return sites


def granting_email(*, access_token: str) -> str:
    """The email of the account that consented (GET /me, scope read:me), or "" if unknown."""
    try:
        data = _bearer_get("/me", access_token, what="account lookup")
    except AtlassianOAuthError:
        return ""
    email = data.get("email") if isinstance(data, dict) else None
    return email[:254] if isinstance(email, str) and "@" in email else ""
