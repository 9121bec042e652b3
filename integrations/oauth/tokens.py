"""OAuth access tokens for Jira calls: refreshed before they expire, one refresh at a time.

Atlassian rotates refresh tokens: every refresh returns a new one and retires the one
sent, and presenting a retired token after ~10 minutes revokes the whole grant
(https://community.developer.atlassian.com/t/54172). So, per grant:
- refreshes are serialised by the grant's row lock (`grants.locked_grant`); after taking
  it the grant is read again, and a token another process just refreshed is used as it
  is (the old refresh token is never sent again);
- the new tokens are committed before the new access token is used (a durable
  transaction: calling this inside another transaction is a bug and raises);
- `invalid_grant` marks the grant's connections "needs attention" until an admin reconnects;
- on SQLite, a refresh that waited for the database's write lock past the busy timeout
  is a transient error (JiraUnavailableError), which the Jira client retries.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from django.db import connections
from django.utils import timezone

from integrations.jira.errors import JiraAuthError, JiraError, JiraUnavailableError
from integrations.models import AtlassianGrant, JiraConnection
from integrations.oauth import atlassian
from integrations.oauth.grants import (
    DatabaseBusy,
    busy_timeout_seconds,
    grant_rejected,
    locked_grant,
    sqlite_lock_as_busy,
    store_tokens,
)

logger = logging.getLogger(__name__)

# Refresh when less than this is left, so a token never expires in the middle of a page.
REFRESH_MARGIN = timedelta(minutes=5)
LOCK_ATTEMPTS = 100
RECONNECT_MESSAGE = (
    "Atlassian no longer accepts this connection's authorization: it was revoked, or not "
    "used for 90 days. Choose Reconnect to sign in with Atlassian again."
)
NO_GRANT_MESSAGE = "This connection has no Atlassian authorization. Choose Reconnect."
# A 401 from Jira on a token that was valid: the grant was revoked (or the app's access removed).
OAUTH_REJECTED_MESSAGE = (
    "Jira rejected this connection's Atlassian authorization: it was revoked, or the "
    "account lost access to the site. Choose Reconnect to sign in with Atlassian again."
)
BUSY_MESSAGE = "The connection's tokens are busy being refreshed. Try again."


class _GrantMoved(Exception):
    """The connection was reconnected (to a new grant) while we waited for the old one's lock."""


def _usable(grant: AtlassianGrant, margin: timedelta) -> bool:
    return bool(
        grant.access_token and grant.expires_at and grant.expires_at - timezone.now() > margin
    )


def _refresh_once(pk: int, margin: timedelta) -> tuple[str, datetime]:
    with sqlite_lock_as_busy():
        connection = JiraConnection.objects.select_related("grant").get(pk=pk)
    grant = connection.grant
    if grant is None or connection.is_disconnected:
        raise JiraAuthError(NO_GRANT_MESSAGE)
    if _usable(grant, margin):
        return grant.access_token.reveal(), grant.expires_at
    failure: atlassian.AtlassianOAuthError | None = None
    with locked_grant(grant.pk, durable=True) as current:
        if current is None or not JiraConnection.objects.filter(pk=pk, grant=current).exists():
            raise _GrantMoved
        if _usable(current, margin):
            # Another process refreshed while we waited for the lock: use its token.
            return current.access_token.reveal(), current.expires_at
        if not current.refresh_token:
            raise JiraAuthError(NO_GRANT_MESSAGE)
        try:
            tokens = atlassian.refresh_tokens(refresh_token=current.refresh_token.reveal())
        except atlassian.AtlassianOAuthError as error:
            failure = error
            if error.invalid_grant:
                grant_rejected(current, message=RECONNECT_MESSAGE)
        else:
            expires_at = store_tokens(current, tokens)
    # Committed: the rotated refresh token is safe before the access token is used.
    if failure is not None:
        logger.warning(
            "OAuth refresh of grant %s (connection %s) failed: %s", grant.pk, pk, failure.message
        )
        if failure.invalid_grant:
            raise JiraAuthError(RECONNECT_MESSAGE)
        if failure.permanent:
            raise JiraError(failure.message)
        raise JiraUnavailableError(failure.message)
    logger.info("OAuth tokens of grant %s (connection %s) refreshed", grant.pk, pk)
    return tokens.access_token, expires_at


def fresh_access_token(
    connection: JiraConnection | int, *, margin: timedelta = REFRESH_MARGIN
) -> tuple[str, datetime]:
    """A valid access token for the connection and its expiry, refreshing it if needed.

    Raises JiraAuthError when the admin must reconnect, JiraUnavailableError when
    Atlassian's token service failed or the database stayed busy (try again later),
    JiraError otherwise.
    """
    pk = connection.pk if isinstance(connection, JiraConnection) else connection
    # SQLite's lock either waits up to the busy timeout or, on a lock it can't wait for,
    # fails at once: retried until the busy timeout has passed, then left to the caller.
    give_up_at = time.monotonic() + busy_timeout_seconds()
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            return _refresh_once(pk, margin)
        except _GrantMoved:
            continue
        except DatabaseBusy:
            if time.monotonic() >= give_up_at:
                break
            time.sleep(min(0.01 * attempt, 0.2))
    logger.warning("OAuth refresh of connection %s: the database stayed busy", pk)
    raise JiraUnavailableError(BUSY_MESSAGE)


class AccessTokenSource:
    """The `access_token` callable of an OAuth connection's JiraClient.

    Keeps the current token in memory and asks `fresh_access_token` again shortly
    before it expires, so a sync longer than the token's hour carries on. Thread-safe:
    the client's worker threads share it, and only one of them refreshes.
    """

    def __init__(self, connection_id: int):
        self.connection_id = connection_id
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at: datetime | None = None

    def __call__(self) -> str:
        with self._lock:
            if (
                self._token is None
                or self._expires_at is None
                or self._expires_at - timezone.now() <= REFRESH_MARGIN
            ):
                self._token, self._expires_at = self._fetch()
            return self._token

    def _fetch(self) -> tuple[str, datetime]:
        # A worker thread of the client may get here: close the database connection we
        # open for it (only one we opened, never one its thread was using).
        db = connections["default"]
        opened_here = db.connection is None
        try:
            return fresh_access_token(self.connection_id)
        finally:
            if opened_here:
                db.close()

    def __repr__(self) -> str:
        return f"<AccessTokenSource connection={self.connection_id} (redacted)>"
