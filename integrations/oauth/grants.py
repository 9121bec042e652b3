"""Atlassian grants' rows: the only code that writes a grant's tokens or moves a connection's grant.

Atlassian rotates the refresh token on every refresh (the one sent is retired), so the
connections of one consent share one grant row, and its tokens are written only while
that row is locked (`locked_grant`). A connection's `grant` changes only here and in the
flow (connect, Reconnect); elsewhere connections are saved without it
(`JiraConnection.save_keeping_grant`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import OperationalError, connections, transaction
from django.db.models import F
from django.utils import timezone

from integrations.jira.sites import cloud_base_url
from integrations.models import AtlassianGrant, JiraConnection
from integrations.oauth.atlassian import Tokens
from pensero.encryption import Secret

# What a connection's row holds of its grant, written when it is attached to one.
ATTACH_FIELDS = ["auth_type", "grant", "status", "last_error", "site_url", "updated_at"]


class DatabaseBusy(Exception):
    """SQLite's write lock is held by another connection: nothing was written or sent.

    Only with SQLite, whose lock is the whole database's: a transaction's BEGIN IMMEDIATE
    waits for it up to the busy timeout (settings.SQLITE_BUSY_TIMEOUT_SECONDS), then fails.
    """


def busy_timeout_seconds() -> float:
    """How long SQLite waits for its write lock before failing (sqlite3's default is 5 s)."""
    return float(connections["default"].settings_dict.get("OPTIONS", {}).get("timeout", 5.0))


@contextmanager
def sqlite_lock_as_busy() -> Iterator[None]:
    """Turn SQLite's "database is locked" inside the block into DatabaseBusy."""
    try:
        yield
    except OperationalError as error:
        if connections["default"].vendor == "sqlite" and "locked" in str(error):
            raise DatabaseBusy from None
        raise


@contextmanager
def locked_grant(grant_id: int | None, *, durable: bool = False) -> Iterator[AtlassianGrant | None]:
    """A transaction holding the grant's row lock; yields the grant read again (None if gone).

    PostgreSQL locks the one row. SQLite has no row locks: the transaction takes the
    database's write lock, at BEGIN IMMEDIATE (settings.py) and, whatever the transaction
    mode, at its first statement, a write. Waiting past the busy timeout raises DatabaseBusy.
    """
    with sqlite_lock_as_busy(), transaction.atomic(durable=durable):
        rows = AtlassianGrant.objects.filter(pk=grant_id)
        if not connections["default"].features.has_select_for_update:
            rows.update(updated_at=F("updated_at"))
        yield rows.select_for_update().first()


def grant_create(*, workspace, tokens: Tokens, granted_by: str) -> AtlassianGrant:
    """Store what a consent gave."""
    now = timezone.now()
    return AtlassianGrant.objects.create(
        workspace=workspace,
        access_token=Secret(tokens.access_token),
        refresh_token=Secret(tokens.refresh_token),
        expires_at=now + timedelta(seconds=tokens.expires_in),
        scopes=tokens.scope,
        granted_by=granted_by,
        granted_at=now,
    )


def attach(connection: JiraConnection, grant: AtlassianGrant) -> None:
    """Make `connection` an active OAuth connection using `grant` (ATTACH_FIELDS; not saved)."""
    connection.auth_type = JiraConnection.AuthType.OAUTH
    connection.grant = grant
    connection.status = JiraConnection.Status.ACTIVE
    connection.last_error = ""
    # The address its requests go to from now on (clients.checked_site_url).
    connection.site_url = cloud_base_url(connection.cloud_id)


def store_tokens(grant: AtlassianGrant, tokens: Tokens) -> datetime:
    """Write a refresh's tokens to the locked `grant`; returns the access token's expiry."""
    now = timezone.now()
    expires_at = now + timedelta(seconds=tokens.expires_in)
    values = {
        "access_token": Secret(tokens.access_token),
        "refresh_token": Secret(tokens.refresh_token),
        "expires_at": expires_at,
        "updated_at": now,
    }
    if tokens.scope:
        values["scopes"] = tokens.scope
    AtlassianGrant.objects.filter(pk=grant.pk).update(**values)
    return expires_at


def _forget_tokens(grant: AtlassianGrant) -> None:
    AtlassianGrant.objects.filter(pk=grant.pk).update(
        access_token=None, refresh_token=None, expires_at=None, updated_at=timezone.now()
    )


def grant_rejected(grant: AtlassianGrant, *, message: str) -> None:
    """Atlassian no longer accepts the locked `grant`: its connections need a Reconnect.

    Its tokens are dead now, and forgotten so they are never sent again.
    """
    _forget_tokens(grant)
    JiraConnection.objects.filter(grant=grant).exclude(
        status=JiraConnection.Status.DISCONNECTED
    ).update(
        status=JiraConnection.Status.NEEDS_ATTENTION,
        last_error=message,
        last_error_at=timezone.now(),
    )


def release_grant(connection: JiraConnection) -> None:
    """Forget the connection's tokens (Disconnect); sets `connection.grant`, not saved.

    The other sites of its consent keep theirs. What was granted, by whom and when stays
    on the connection's Manage page, as a grant without tokens.
    """
    with locked_grant(connection.grant_id) as grant:
        if grant is None:
            connection.grant = None
        elif grant.connections.exclude(pk=connection.pk).exists():
            connection.grant = AtlassianGrant.objects.create(
                workspace_id=grant.workspace_id,
                scopes=grant.scopes,
                granted_by=grant.granted_by,
                granted_at=grant.granted_at,
            )
        else:
            _forget_tokens(grant)


def forget_unused_grants(grant_ids: Iterable[int | None]) -> None:
    """Delete those of the grants no connection uses any more (tokens included)."""
    AtlassianGrant.objects.filter(
        pk__in=[pk for pk in grant_ids if pk is not None], connections__isnull=True
    ).delete()
