"""Background tasks of the Jira integration. They take ids, never secrets."""

import logging

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from integrations.later import run_once_at
from integrations.models import JiraConnection, SyncRun
from integrations.sync.run import sync_connection
from integrations.webhooks.tasks import queue_set_up

logger = logging.getLogger(__name__)


def queue_sync(connection: JiraConnection, *, trigger: str, full: bool = False) -> None:
    """Queue a sync of `connection` once the current transaction commits."""
    connection_id = connection.pk
    JiraConnection.objects.filter(pk=connection_id).update(sync_requested_at=timezone.now())
    transaction.on_commit(lambda: _enqueue(connection_id, trigger, full))
    if trigger == SyncRun.Trigger.CONNECT:
        # A site (re)connected: register its webhooks, or learn whether it may.
        queue_set_up(connection)


def _enqueue(connection_id: int, trigger: str, full: bool = False) -> None:
    async_task(
        "integrations.tasks.sync_connection_task",
        connection_id,
        trigger,
        full,
        task_name=f"jira-sync-{connection_id}",
    )


def sync_connection_task(
    connection_id: int, trigger: str = SyncRun.Trigger.SCHEDULE, full: bool = False
):
    """Sync one connection. A connection that is gone, disconnected or needs attention is skipped."""
    connection = JiraConnection.objects.filter(pk=connection_id).first()
    if connection is None or not connection.can_sync:
        return "skipped: connection missing or not active"
    run = sync_connection(connection, trigger=trigger, full=full)
    if run is None:
        return "skipped: a sync is already running"
    if run.next_try_at is not None:
        # Jira paused the site, or the worker is shutting down: the worker is free now,
        # the sync goes on when Jira allows (or as soon as a worker runs again).
        run_once_at(
            f"jira-sync-retry-{connection_id}",
            "integrations.tasks.sync_connection_task",
            connection_id,
            trigger,
            full,
            when=run.next_try_at,
        )
        return f"sync run {run.pk}: stopped, tries again at {run.next_try_at:%H:%M} UTC"
    return f"sync run {run.pk}: {run.status}"


def sync_all_connections_task() -> int:
    """The periodic schedule: queue a sync of every active connection (each skips if one runs)."""
    ids = list(
        JiraConnection.objects.filter(status=JiraConnection.Status.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    for connection_id in ids:
        _enqueue(connection_id, SyncRun.Trigger.SCHEDULE)
    return len(ids)
