"""The background side of a delivery: deletes at once, one fetch for a burst of changes.

A delivery only records an event and asks for a processing task; while one is queued,
further deliveries ask for nothing. The task waits a moment for the rest of a burst,
claims every pending event of the connection, marks deleted issues removed, and
fetches the other issues once through the sync's own code (`sync_issues_by_id`), which
never stores an older `updated` over a newer one: events may arrive late, twice or out
of order without harm. Whatever fails here, the scheduled sync still catches up.
"""

import logging
import time
import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django_q.tasks import async_task

from integrations.jira.errors import JiraError
from integrations.models import Issue, JiraConnection, JiraWebhook, WebhookEvent
from integrations.sync.by_id import sync_issues_by_id
from integrations.webhooks.events import ISSUE_DELETED

logger = logging.getLogger(__name__)

# How long a burst of deliveries is given to arrive whole before its issues are fetched.
COALESCE_SECONDS = 0.5
# A queued task not started by then (lost, or its worker died) no longer holds back a new one.
REQUEST_STALE_AFTER = timedelta(minutes=2)
# Events claimed by a task that died are claimed again after this.
CLAIM_STALE_AFTER = timedelta(minutes=5)


def note_deliveries(connection_ids: list[int]) -> None:
    """Record that deliveries arrived, and queue processing unless a task is queued already."""
    now = timezone.now()
    rows = JiraWebhook.objects.filter(connection_id__in=connection_ids)
    rows.update(last_event_at=now)
    idle = Q(processing_requested_at__isnull=True) | Q(
        processing_requested_at__lt=now - REQUEST_STALE_AFTER
    )
    for connection_id in connection_ids:
        if rows.filter(idle, connection_id=connection_id).update(processing_requested_at=now):
            transaction.on_commit(lambda pk=connection_id: _enqueue(pk))


def _enqueue(connection_id: int) -> None:
    async_task(
        "integrations.webhooks.tasks.process_webhook_events_task",
        connection_id,
        task_name=f"jira-webhooks-{connection_id}",
    )


def _pending(connection_id: int):
    stale = timezone.now() - CLAIM_STALE_AFTER
    return WebhookEvent.objects.filter(
        connection_id=connection_id, processed_at__isnull=True
    ).filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))


def _wait_for_the_burst(connection_id: int) -> None:
    oldest = _pending(connection_id).aggregate(oldest=Min("received_at"))["oldest"]
    if oldest is not None:
        wait = COALESCE_SECONDS - (timezone.now() - oldest).total_seconds()
        if wait > 0:
            time.sleep(wait)


def process_pending_events(connection_id: int) -> str:
    """Apply the connection's pending events. Returns a summary for the task's result."""
    # From here on a new delivery queues a new task: none is lost between the claim and now.
    JiraWebhook.objects.filter(connection_id=connection_id).update(processing_requested_at=None)
    connection = JiraConnection.objects.filter(pk=connection_id).first()
    if connection is None:
        return "skipped: connection gone"
    _wait_for_the_burst(connection_id)
    claim = uuid.uuid4().hex
    if not _pending(connection_id).update(claim=claim, claimed_at=timezone.now()):
        return "nothing pending"
    claimed = WebhookEvent.objects.filter(connection_id=connection_id, claim=claim)
    events = list(claimed.values_list("event", "issue_jira_id"))
    deleted = {issue for event, issue in events if issue and event == ISSUE_DELETED}
    changed = {issue for event, issue in events if issue and event != ISSUE_DELETED} - deleted
    if not connection.can_sync or connection.sync_watermark is None:
        # Before the first full sync, or while the connection needs fixing: the next
        # sync reads everything these events were about.
        claimed.update(processed_at=timezone.now())
        return f"skipped {len(events)} events: the connection isn't synced yet or can't sync"
    if deleted:
        Issue.objects.filter(
            connection=connection, jira_id__in=deleted, removed_at__isnull=True
        ).update(removed_at=timezone.now())
    try:
        fetched = sync_issues_by_id(connection, changed) if changed else None
    except JiraError as error:
        logger.warning("Webhook events of connection %s not applied: %s", connection_id, error)
        if error.permanent:
            claimed.update(processed_at=timezone.now())  # the sync reports what is wrong
        else:
            # Given back: the next delivery's task (or the scheduled sync) takes them.
            claimed.update(claim="", claimed_at=None)
        return f"failed: {error.message}"
    claimed.update(processed_at=timezone.now())
    stored, missing = (fetched.stored, len(fetched.missing)) if fetched else (0, 0)
    return (
        f"{len(events)} events: {len(deleted)} issues removed, {len(changed)} fetched, "
        f"{stored} stored, {missing} not returned by Jira (left to the census)"
    )
