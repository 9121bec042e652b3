"""Atlassian's OAuth 2.0 (3LO) side, simulated: authorize, token, accessible-resources, /me.

One registered client (``OAUTH_CLIENT_ID`` / ``OAUTH_CLIENT_SECRET``). ``GET /authorize``
consents at once, as ``account_email`` for the sites in ``sites``, and redirects back to
``redirect_uri`` with ``code`` and ``state`` (``error=access_denied`` instead when
``deny_consent`` is set or the URL has ``deny``). ``POST /oauth/token`` takes the
authorization_code and refresh_token grants (JSON or form body). Refresh tokens rotate like
Atlassian's: each refresh retires the token sent; a retired token is still honoured for
``reuse_grace_seconds`` and after that revokes the whole grant and answers
``{"error": "invalid_grant"}`` (403). Access tokens work on ``/ex/jira/{cloudId}/rest/...``
(see server.py) until they expire (401 after).
https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

from .constants import DEMO_EMAIL, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET

AUTHORIZE_PATH = "/authorize"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a password
RESOURCES_PATH = "/oauth/token/accessible-resources"
ME_PATH = "/me"
PATHS = frozenset({AUTHORIZE_PATH, TOKEN_PATH, RESOURCES_PATH, ME_PATH})
JIRA_SCOPES = ("read:jira-work", "read:jira-user", "write:jira-work", "manage:jira-webhook")
# The gateway's own error bodies (not Jira's errorMessages shape).
UNAUTHORIZED = {"code": 401, "message": "Unauthorized"}
# The Agile API's board endpoints need Jira Software's board scope, not read:jira-work.
AGILE_BOARD_SCOPE = "read:board-scope:jira-software"
SCOPE_MISMATCH = {"code": 401, "message": "Unauthorized; scope does not match"}


@dataclass
class Grant:
    """One consent: an account, its scopes and the sites (cloud id -> subdomain) it covers."""

    email: str
    scopes: tuple[str, ...]
    sites: dict[str, str]
    revoked: bool = False


@dataclass
class _Code:
    grant: Grant
    redirect_uri: str
    expires_at: float
    used: bool = False


@dataclass
class _Refresh:
    grant: Grant
    retired_at: float | None = None


@dataclass
class _Access:
    grant: Grant
    expires_at: float


@dataclass(eq=False)
class OAuthServer:
    """The authorization server of one ``JiraSimulator``; settings are plain attributes."""

    simulator: object = field(repr=False)
    sites: list[str] = field(default_factory=lambda: ["acme"])
    account_email: str = DEMO_EMAIL
    deny_consent: bool = False
    access_token_seconds: int = 3600
    reuse_grace_seconds: float = 600.0
    code_seconds: float = 300.0
    clock: object = time.time
    # grant_type -> requests answered with tokens; "reuse" counts retired tokens honoured.
    token_counts: Counter = field(default_factory=Counter)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._access: dict[str, _Access] = {}
        self._cloud_sites: dict[str, str] = {}

    # -- dispatch ------------------------------------------------------------------------------
    def handle(self, method, path, params, body, headers) -> tuple[int, object, dict[str, str]]:
        if path == AUTHORIZE_PATH and method == "GET":
            return self.authorize(params)
        if path == TOKEN_PATH and method == "POST":
            return self.token(body, headers.get("Content-Type") or "")
        if path == RESOURCES_PATH and method == "GET":
            return self.accessible_resources(headers.get("Authorization"))
        if path == ME_PATH and method == "GET":
            return self.me(headers.get("Authorization"))
        return 405, {"error": "method_not_allowed"}, {}

    # -- authorize -----------------------------------------------------------------------------
    def authorize(self, params) -> tuple[int, object, dict[str, str]]:
        def one(name):
            return (params.get(name) or [""])[0]

        redirect_uri = one("redirect_uri")
        problems = []
        if one("client_id") != OAUTH_CLIENT_ID:
            problems.append("unknown client_id")
        if not redirect_uri.startswith(("http://", "https://")):
            problems.append("redirect_uri must be an http(s) URL")
        if one("response_type") != "code":
            problems.append("response_type must be code")
        if one("audience") != "api.atlassian.com":
            problems.append("audience must be api.atlassian.com")
        if not one("state"):
            problems.append("state is required")
        if problems:
            return 400, {"error": "invalid_request", "error_description": "; ".join(problems)}, {}
        if self.deny_consent or "deny" in params:
            answer = {"error": "access_denied", "error_description": "The user declined."}
        else:
            subdomains = [s.lower() for s in self.sites]
            sites = {self.simulator.site(sub).cloud_id: sub for sub in subdomains}
            grant = Grant(self.account_email.lower(), tuple(one("scope").split()), sites)
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._cloud_sites.update(sites)
                self._codes[code] = _Code(grant, redirect_uri, self.clock() + self.code_seconds)
            answer = {"code": code}
        answer["state"] = one("state")
        joiner = "&" if "?" in redirect_uri else "?"
        return 302, {}, {"Location": f"{redirect_uri}{joiner}{urlencode(answer)}"}

    # -- token ---------------------------------------------------------------------------------
    def token(self, body: bytes, content_type: str) -> tuple[int, object, dict[str, str]]:
        try:
            if content_type.startswith("application/x-www-form-urlencoded"):
                data = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            else:
                data = json.loads(body or b"{}")
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            return 400, {"error": "invalid_request", "error_description": "Bad body."}, {}
        if (
            data.get("client_id") != OAUTH_CLIENT_ID
            or data.get("client_secret") != OAUTH_CLIENT_SECRET
        ):
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}, {}
        grant_type = data.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                grant = self._redeem_code(data.get("code"), data.get("redirect_uri"))
            elif grant_type == "refresh_token":
                grant = self._redeem_refresh(data.get("refresh_token"))
            else:
                return 400, {"error": "unsupported_grant_type"}, {}
            if grant is None:
                return (
                    403,
                    {"error": "invalid_grant", "error_description": "Unknown or invalid token."},
                    {},
                )
            self.token_counts[grant_type] += 1
            return 200, self._issue(grant), {"Cache-Control": "no-store"}

    def _redeem_code(self, code, redirect_uri) -> Grant | None:
        entry = self._codes.get(code) if isinstance(code, str) else None
        if entry is None or entry.used or entry.expires_at < self.clock():
            return None
        if entry.redirect_uri != redirect_uri:
            return None
        entry.used = True
        return entry.grant

    def _redeem_refresh(self, token) -> Grant | None:
        entry = self._refresh.get(token) if isinstance(token, str) else None
        if entry is None or entry.grant.revoked:
            return None
        if entry.retired_at is not None:
            if self.clock() - entry.retired_at > self.reuse_grace_seconds:
                self._revoke(entry.grant)  # reuse after the grace period: the family is dead
                return None
            self.token_counts["reuse"] += 1
        else:
            entry.retired_at = self.clock()
        return entry.grant

    def _revoke(self, grant: Grant) -> None:
        grant.revoked = True

    def _issue(self, grant: Grant) -> dict:
        access = f"sim-at-{secrets.token_urlsafe(24)}"
        self._access[access] = _Access(grant, self.clock() + self.access_token_seconds)
        body = {
            "access_token": access,
            "expires_in": self.access_token_seconds,
            "token_type": "Bearer",
            "scope": " ".join(grant.scopes),
        }
        if "offline_access" in grant.scopes:
            refresh = f"sim-rt-{secrets.token_urlsafe(24)}"
            self._refresh[refresh] = _Refresh(grant)
            body["refresh_token"] = refresh
        return body

    # -- bearer endpoints ----------------------------------------------------------------------
    def grant_for(self, authorization: str | None) -> Grant | None:
        """The grant behind a valid, unexpired ``Bearer`` access token."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self._lock:
            entry = self._access.get(token.strip())
            if entry is None or entry.grant.revoked or entry.expires_at <= self.clock():
                return None
            return entry.grant

    def accessible_resources(self, authorization) -> tuple[int, object, dict[str, str]]:
        grant = self.grant_for(authorization)
        if grant is None:
            return 401, UNAUTHORIZED, {}
        scopes = [s for s in grant.scopes if s in JIRA_SCOPES]
        return (
            200,
            [
                {
                    "id": cloud_id,
                    "name": subdomain,
                    "url": f"https://{subdomain}.atlassian.net",
                    "scopes": scopes,
                    "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png",
                }
                for cloud_id, subdomain in grant.sites.items()
            ],
            {},
        )

    def me(self, authorization) -> tuple[int, object, dict[str, str]]:
        grant = self.grant_for(authorization)
        if grant is None:
            return 401, UNAUTHORIZED, {}
        if "read:me" not in grant.scopes:
            return 401, SCOPE_MISMATCH, {}
        account = self.simulator.accounts.get(grant.email)
        return (
            200,
            {
                "account_type": "atlassian",
                "account_id": f"sim-{grant.email}",
                "email": grant.email,
                "name": (account.display_name if account else "") or grant.email,
                "account_status": "active",
                "locale": "en-US",
                "zoneinfo": account.time_zone if account else "UTC",
            },
            {},
        )

    def subdomain_for(self, cloud_id: str) -> str | None:
        with self._lock:
            return self._cloud_sites.get(cloud_id)

    def authenticate(self, authorization, cloud_id: str, route_template: str):
        """(account, None) for a Jira call through /ex/jira/{cloudId}, or (None, error body)."""
        grant = self.grant_for(authorization)
        if grant is None or cloud_id not in grant.sites:
            return None, UNAUTHORIZED
        # dev-status is private: no OAuth scope covers it (fact sheet section 6).
        if route_template.startswith("/rest/dev-status/"):
            return None, UNAUTHORIZED
        needed = "read:jira-user" if route_template == "/rest/api/3/myself" else "read:jira-work"
        if route_template.startswith("/rest/api/3/webhook"):
            needed = "manage:jira-webhook"  # registering the app's dynamic webhooks
        if route_template.startswith("/rest/agile/"):
            needed = AGILE_BOARD_SCOPE  # Jira Software's API: a scope of its own
        if needed not in grant.scopes:
            return None, SCOPE_MISMATCH
        account = self.simulator.accounts.get(grant.email)
        return (account, None) if account is not None else (None, UNAUTHORIZED)

    # -- for tests -----------------------------------------------------------------------------
    def revoke_grants(self) -> None:
        """Revoke every grant so far, as when the user removes the app's access."""
        with self._lock:
            for entry in [*self._refresh.values(), *self._access.values()]:
                self._revoke(entry.grant)

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far expired (as if an hour passed)."""
        with self._lock:
            for entry in self._access.values():
                entry.expires_at = 0.0
