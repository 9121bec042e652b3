"""OAuth access tokens for Jira calls: refreshed before they expire, one refresh at a time.

Atlassian rotates refresh tokens: every refresh returns a new one and retires the one
sent, and presenting a retired token after ~10 minutes revokes the whole grant
(https://community.developer.atlassian.com/t/54172). So, per grant:
- refreshes are serialised by a row lock on the connections that share the grant; after
  taking the lock the row is read again, and a token another process just refreshed is
  used as it is (the old refresh token is never sent again);
- the new tokens are committed before the new access token is used (a durable
  transaction: calling this inside another transaction is a bug and raises);
- `invalid_grant` marks the connections "needs attention" until an admin reconnects.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from django.db import OperationalError, connections, transaction
from django.db.models import F
from django.utils import timezone

from integrations.jira.errors import JiraAuthError, JiraError, JiraUnavailableError
from integrations.models import JiraConnection
from integrations.oauth import atlassian
from pensero.encryption import Secret

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


class DatabaseBusy(Exception):
    """SQLite's lock is held by another connection: start over (nothing was sent yet).

    Only with SQLite, whose locks are per database (a file past its busy timeout, or the
    shared-cache memory database, which fails at once instead of waiting).
    """


def _usable(connection: JiraConnection, margin: timedelta) -> bool:
    return bool(
        connection.oauth_access_token
        and connection.oauth_expires_at
        and connection.oauth_expires_at - timezone.now() > margin
    )


def _is_sqlite_lock(error: OperationalError) -> bool:
    return connections["default"].vendor == "sqlite" and "locked" in str(error)


def _read(pk: int) -> JiraConnection:
    try:
        return JiraConnection.objects.get(pk=pk)
    except OperationalError as error:
        if _is_sqlite_lock(error):
            raise DatabaseBusy from None
        raise


def locked_family(connection: JiraConnection) -> list[JiraConnection]:
    """Lock and re-read the rows of every connection sharing `connection`'s grant.

    Call inside a transaction. PostgreSQL locks the rows (in pk order, so two lockers
    never deadlock); SQLite has no row locks, so a write as the transaction's first
    statement takes its database write lock instead (a second refresher waits there,
    up to the busy timeout, then reads the committed tokens).
    """
    if connection.oauth_grant_id:
        rows = JiraConnection.objects.filter(oauth_grant_id=connection.oauth_grant_id)
    else:
        rows = JiraConnection.objects.filter(pk=connection.pk)
    try:
        if not connections["default"].features.has_select_for_update:
            rows.update(oauth_grant_id=F("oauth_grant_id"))
        return list(rows.select_for_update().order_by("pk"))
    except OperationalError as error:
        if _is_sqlite_lock(error):
            raise DatabaseBusy from None
        raise


def store_tokens(rows, *, grant: atlassian.TokenGrant, grant_id: str | None = None) -> datetime:
    """Write a grant's tokens to `rows` (a queryset); returns the access token's expiry."""
    expires_at = timezone.now() + timedelta(seconds=grant.expires_in)
    values = {
        "oauth_access_token": Secret(grant.access_token),
        "oauth_refresh_token": Secret(grant.refresh_token),
        "oauth_expires_at": expires_at,
        "updated_at": timezone.now(),
    }
    if grant.scope:
        values["oauth_scopes"] = grant.scope
    if grant_id is not None:
        values["oauth_grant_id"] = grant_id
    rows.update(**values)
    return expires_at


def _refresh_once(pk: int, margin: timedelta) -> tuple[str, datetime]:
    connection = _read(pk)
    if _usable(connection, margin):
        return connection.oauth_access_token.reveal(), connection.oauth_expires_at
    failure: atlassian.AtlassianOAuthError | None = None
    with transaction.atomic(durable=True):
        family = locked_family(connection)
        current = next((row for row in family if row.pk == pk), None)
        if current is None or current.oauth_grant_id != connection.oauth_grant_id:
            raise DatabaseBusy  # reconnected meanwhile: lock the new family instead
        if _usable(current, margin):
            # Another process refreshed while we waited for the lock: use its token.
            return current.oauth_access_token.reveal(), current.oauth_expires_at
        if current.is_disconnected or not current.oauth_refresh_token:
            raise JiraAuthError(NO_GRANT_MESSAGE)
        try:
            grant = atlassian.refresh_tokens(refresh_token=current.oauth_refresh_token.reveal())
        except atlassian.AtlassianOAuthError as error:
            failure = error
            if error.invalid_grant:
                JiraConnection.objects.filter(pk__in=[row.pk for row in family]).update(
                    status=JiraConnection.Status.NEEDS_ATTENTION,
                    last_error=RECONNECT_MESSAGE,
                    last_error_at=timezone.now(),
                    # Dead now; never sent again. Reconnect stores a new grant.
                    oauth_access_token=None,
                    oauth_refresh_token=None,
                    oauth_expires_at=None,
                )
        else:
            expires_at = store_tokens(
                JiraConnection.objects.filter(pk__in=[row.pk for row in family]), grant=grant
            )
    # Committed: the rotated refresh token is safe before the access token is used.
    if failure is not None:
        logger.warning("OAuth refresh of connection %s failed: %s", pk, failure.message)
        if failure.invalid_grant:
            raise JiraAuthError(RECONNECT_MESSAGE)
        if failure.permanent:
            raise JiraError(failure.message)
        raise JiraUnavailableError(failure.message)
    logger.info("OAuth tokens of connection %s refreshed", pk)
    return grant.access_token, expires_at


def fresh_access_token(
    connection: JiraConnection | int, *, margin: timedelta = REFRESH_MARGIN
) -> tuple[str, datetime]:
    """A valid access token for the connection and its expiry, refreshing it if needed.

    Raises JiraAuthError when the admin must reconnect, JiraUnavailableError when
    Atlassian's token service failed (try again later), JiraError otherwise.
    """
    pk = connection.pk if isinstance(connection, JiraConnection) else connection
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            return _refresh_once(pk, margin)
        except DatabaseBusy:
            time.sleep(min(0.01 * attempt, 0.2))
    raise JiraUnavailableError("The connection's tokens are busy being refreshed. Try again.")


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
