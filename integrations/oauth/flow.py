"""Connect with Atlassian: the OAuth 2.0 (3LO) authorization-code flow, as plain functions.

1. `begin_authorization` puts a random, single-use `state` in the admin's session (with
   the workspace, the redirect URI and a short expiry) and returns Atlassian's authorize URL.
2. `complete_authorization` (the callback) checks the state, exchanges the code for
   tokens, lists the Jira sites the grant covers and either connects the one site,
   repairs the connection being reconnected, or parks the grant for `connect_sites`
   (the admin picks among several sites).
The parked grant's tokens stay server-side, encrypted in the session, never in a form
or URL. Stored, they are an AtlassianGrant (integrations/oauth/grants.py) that every
connection made from the consent points at.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from integrations.models import JiraConnection, SyncRun
from integrations.oauth import atlassian
from integrations.oauth.atlassian import AtlassianOAuthError, JiraSite, Tokens
from integrations.oauth.grants import (
    ATTACH_FIELDS,
    DatabaseBusy,
    attach,
    forget_unused_grants,
    grant_create,
    locked_grant,
)
from integrations.tasks import queue_sync
from pensero.encryption import SecretDecryptionError, decrypt, encrypt

logger = logging.getLogger(__name__)

STATE_KEY = "jira_oauth_state"
PENDING_KEY = "jira_oauth_pending"
STATE_TTL_SECONDS = 10 * 60
PENDING_TTL_SECONDS = 15 * 60
_ERROR_CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz_")

MSG_STATE = (
    "That Atlassian sign-in can't be used: it expired, was already used, or was started in "
    "another browser or workspace. Nothing was connected; choose Connect with Atlassian again."
)
MSG_DENIED = "You declined access on Atlassian's consent screen, so nothing was connected."
MSG_NO_CODE = "Atlassian sent no authorization code, so nothing was connected. Try again."
MSG_NO_REFRESH = (
    "Atlassian granted no refresh token (the offline_access scope is missing from the app), "
    "so the app couldn't keep syncing. Nothing was connected."
)
MSG_NO_SITES = (
    "The Atlassian account you signed in with can't access any Jira Cloud site, so nothing "
    "was connected. Sign in with an account that uses Jira, or pick a Jira site on the "
    "consent screen."
)
MSG_PENDING = (
    "The sites to connect are no longer available (the sign-in is over 15 minutes old or was "
    "already used). Choose Connect with Atlassian again."
)


class OAuthFlowFailed(Exception):
    """The flow stopped; `message` is for the admin. Nothing was saved."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ConnectOutcome:
    connected: list[JiraConnection] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # messages for the admin
    needs_pick: bool = False
    reconnected: bool = False


@dataclass(frozen=True)
class PendingGrant:
    workspace_id: int
    sites: tuple[JiraSite, ...]
    tokens: Tokens
    granted_by: str


# -- step 1: the authorize redirect ------------------------------------------------------


def begin_authorization(
    *, session, workspace, redirect_uri: str, connection: JiraConnection | None = None
) -> str:
    """Remember a fresh state in the session and return Atlassian's authorize URL.

    With `connection`, the callback re-authorizes that connection instead of adding sites.
    """
    state = secrets.token_urlsafe(32)
    session.pop(PENDING_KEY, None)  # a grant parked by an earlier, abandoned flow
    session[STATE_KEY] = {
        "state": state,
        "workspace_id": workspace.pk,
        "connection_id": connection.pk if connection else None,
        "redirect_uri": redirect_uri,
        "expires": time.time() + STATE_TTL_SECONDS,
    }
    return atlassian.authorize_url(state=state, redirect_uri=redirect_uri)


def _take_state(session, *, state: str, workspace) -> dict:
    """The session's pending state if `state` matches it; single-use either way."""
    saved = session.pop(STATE_KEY, None)
    if (
        not isinstance(saved, dict)
        or not isinstance(state, str)
        or not state
        or not secrets.compare_digest(state.encode(), str(saved.get("state", "")).encode())
        or saved.get("workspace_id") != workspace.pk
        or not isinstance(saved.get("expires"), int | float)
        or saved["expires"] < time.time()
    ):
        raise OAuthFlowFailed(MSG_STATE)
    return saved


# -- step 2: the callback ----------------------------------------------------------------


def complete_authorization(*, session, workspace, params) -> ConnectOutcome:
    """Handle Atlassian's redirect back (`params` is its query). Raises OAuthFlowFailed."""
    saved = _take_state(session, state=params.get("state", ""), workspace=workspace)
    error = params.get("error")
    if error:
        if error == "access_denied":
            raise OAuthFlowFailed(MSG_DENIED)
        code = error if len(error) <= 40 and set(error) <= _ERROR_CODE_CHARS else "unknown"
        raise OAuthFlowFailed(f"Atlassian returned an error ({code}), so nothing was connected.")
    code = params.get("code")
    if not code:
        raise OAuthFlowFailed(MSG_NO_CODE)
    try:
        tokens = atlassian.exchange_code(code=code, redirect_uri=saved["redirect_uri"])
        if not tokens.refresh_token:
            raise OAuthFlowFailed(MSG_NO_REFRESH)
        sites = atlassian.accessible_jira_sites(access_token=tokens.access_token)
        if not sites:
            raise OAuthFlowFailed(MSG_NO_SITES)
        granted_by = atlassian.granting_email(access_token=tokens.access_token)
    except AtlassianOAuthError as failure:
        raise OAuthFlowFailed(f"{failure.message} Nothing was connected.") from None
    pending = PendingGrant(workspace.pk, tuple(sites), tokens, granted_by)
    if saved.get("connection_id"):
        return _reauthorize(workspace, saved["connection_id"], pending)
    if len(sites) == 1 or len(taken_sites(workspace, sites)) == len(sites):
        # Nothing to choose: connect the one site (or say that all are connected already).
        return connect_sites(
            workspace=workspace, pending=pending, cloud_ids=[site.cloud_id for site in sites]
        )
    _park(session, pending)
    return ConnectOutcome(needs_pick=True)


def _park(session, pending: PendingGrant) -> None:
    secret = {
        "access_token": pending.tokens.access_token,
        "refresh_token": pending.tokens.refresh_token,
        "expires_in": pending.tokens.expires_in,
        "scope": pending.tokens.scope,
        "granted_by": pending.granted_by,
    }
    session[PENDING_KEY] = {
        "workspace_id": pending.workspace_id,
        "expires": time.time() + PENDING_TTL_SECONDS,
        "sites": [[s.cloud_id, s.subdomain, s.name] for s in pending.sites],
        "grant": encrypt(json.dumps(secret)),
    }


def pending_grant(session, *, workspace) -> PendingGrant:
    """The grant parked by the callback for this workspace, or OAuthFlowFailed."""
    saved = session.get(PENDING_KEY)
    try:
        if saved["workspace_id"] != workspace.pk or saved["expires"] < time.time():
            raise KeyError("expired")
        secret = json.loads(decrypt(saved["grant"]))
        sites = tuple(JiraSite(*site) for site in saved["sites"])
        tokens = Tokens(
            secret["access_token"], secret["refresh_token"], secret["expires_in"], secret["scope"]
        )
    except (KeyError, TypeError, ValueError, SecretDecryptionError):
        session.pop(PENDING_KEY, None)
        raise OAuthFlowFailed(MSG_PENDING) from None
    return PendingGrant(workspace.pk, sites, tokens, secret.get("granted_by", ""))


def discard_pending(session) -> None:
    session.pop(PENDING_KEY, None)


def taken_sites(workspace, sites) -> set[str]:
    """Cloud ids among `sites` already connected (and not disconnected) to the workspace."""
    existing = JiraConnection.objects.filter(workspace=workspace).exclude(
        status=JiraConnection.Status.DISCONNECTED
    )
    taken = set()
    for site in sites:
        if existing.filter(Q(cloud_id=site.cloud_id) | Q(subdomain=site.subdomain)).exists():
            taken.add(site.cloud_id)
    return taken


# -- connecting sites --------------------------------------------------------------------


@transaction.atomic
def connect_sites(*, workspace, pending: PendingGrant, cloud_ids: list[str]) -> ConnectOutcome:
    """Make each picked site a connection (a disconnected one is reconnected in place).

    Sites already connected to the workspace are skipped with a message. All the new
    connections use one grant, the consent's: its refresh token is refreshed once for all.
    """
    outcome = ConnectOutcome()
    grant = None
    replaced = []  # the grants of disconnected sites connected again
    for site in pending.sites:
        if site.cloud_id not in cloud_ids:
            continue
        existing = JiraConnection.objects.filter(
            Q(cloud_id=site.cloud_id) | Q(subdomain=site.subdomain), workspace=workspace
        ).first()
        if existing is not None and not existing.is_disconnected:
            outcome.skipped.append(
                f"{site.host} is already connected to this workspace, so it was left as it "
                "was. Open its Manage page to change it."
            )
            continue
        connection = existing or JiraConnection(workspace=workspace)
        connection.subdomain = site.subdomain
        connection.cloud_id = site.cloud_id
        connection.auth_type = JiraConnection.AuthType.OAUTH
        # Whatever API token the site had before is forgotten: one credential per connection.
        connection.email = ""
        connection.api_token = None
        connection.api_token_hint = ""
        connection.api_token_set_at = None
        try:
            connection.full_clean()
        except ValidationError:
            logger.warning("OAuth connect of a site failed validation", exc_info=True)
            outcome.skipped.append(f"{site.host} couldn't be connected; it was skipped.")
            continue
        replaced.append(connection.grant_id)
        if grant is None:
            grant = grant_create(
                workspace=workspace, tokens=pending.tokens, granted_by=pending.granted_by
            )
        attach(connection, grant)
        connection.save()
        queue_sync(connection, trigger=SyncRun.Trigger.CONNECT)
        outcome.connected.append(connection)
    forget_unused_grants(replaced)
    return outcome


def _reauthorize(workspace, connection_id: int, pending: PendingGrant) -> ConnectOutcome:
    """Move an OAuth connection (and siblings of its grant that need attention) to a new grant."""
    connection = JiraConnection.objects.filter(
        pk=connection_id, workspace=workspace, auth_type=JiraConnection.AuthType.OAUTH
    ).first()
    if connection is None:
        raise OAuthFlowFailed(MSG_STATE)
    covered = {site.cloud_id for site in pending.sites}
    if connection.cloud_id not in covered:
        raise OAuthFlowFailed(
            f"The Atlassian account you signed in with can't access {connection.site_host}, "
            "so the connection wasn't changed. Sign in with an account that can."
        )
    outcome = ConnectOutcome(reconnected=True)
    try:
        repaired = _store_reauthorization(workspace, connection, pending, covered)
    except DatabaseBusy:
        raise OAuthFlowFailed(
            "The connection was busy refreshing its tokens, so it wasn't changed. Choose "
            "Reconnect again."
        ) from None
    # The connection asked for first, then the siblings repaired with it.
    outcome.connected = sorted(repaired, key=lambda row: row.pk != connection.pk)
    return outcome


def _store_reauthorization(workspace, connection, pending, covered):
    # The old grant's lock: a refresh of it can't flag the siblings halfway through the move.
    with locked_grant(connection.grant_id) as old:
        rows = JiraConnection.objects.filter(pk=connection.pk)
        if old is not None:
            rows = JiraConnection.objects.filter(Q(pk=connection.pk) | Q(grant=old))
        repaired = [
            row
            for row in rows.order_by("pk")
            if row.pk == connection.pk
            or (
                row.workspace_id == workspace.pk and row.needs_attention and row.cloud_id in covered
            )
        ]
        replaced = {row.grant_id for row in repaired}
        grant = grant_create(
            workspace=workspace, tokens=pending.tokens, granted_by=pending.granted_by
        )
        for row in repaired:
            attach(row, grant)
            row.save(update_fields=ATTACH_FIELDS)
            queue_sync(row, trigger=SyncRun.Trigger.CONNECT)
        forget_unused_grants(replaced)
    return repaired
