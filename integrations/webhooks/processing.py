"""The background side of a delivery: deletes at once, one fetch for a burst of changes.

A delivery only records an event and asks for a processing task; while one is queued,
further deliveries ask for nothing. The task waits a moment for the rest of a burst,
claims every pending event of the connection and reads every issue they name once
through the sync's own code (`sync_issues_by_id`), which never stores an older `updated`
over a newer one: events may arrive late, twice or out of order without harm. An issue
is removed only when Jira confirms the delete (it no longer returns it). Sprint events
read their sprint again; an empty body ("Exclude body") queues an incremental sync, and a
deleted project a census. Whatever fails here, the scheduled sync still catches up.
"""

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django_q.tasks import async_task

from integrations.clients import client_for
from integrations.jira.errors import JiraError, JiraRateLimitedError
from integrations.jira.pacing import MAX_PAUSE_SECONDS
from integrations.later import run_once_at
from integrations.models import Issue, JiraConnection, JiraWebhook, SyncRun, WebhookEvent
from integrations.sync.by_id import sync_issues_by_id
from integrations.sync.sprint_rows import refresh_sprints
from integrations.webhooks.events import ISSUE_DELETED, NO_BODY, PROJECT_DELETED

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


@dataclass
class Work:
    """What a batch of events asks for."""

    deleted: set[int] = field(default_factory=set)  # issues Jira said were deleted
    changed: set[int] = field(default_factory=set)  # issues to read again
    sprints: set[int] = field(default_factory=set)  # sprints to read again
    sync: bool = False  # something changed that no event names: an incremental sync
    census: bool = False  # a project went: the next sync checks which issues are left

    @classmethod
    def of(cls, events: list[tuple[str, list, int | None]]) -> "Work":
        work = cls()
        for event, issue_ids, sprint_id in events:
            ids = {int(i) for i in issue_ids or [] if isinstance(i, int)}
            if event == ISSUE_DELETED:
                work.deleted |= ids
            else:
                work.changed |= ids
            if sprint_id is not None:
                work.sprints.add(sprint_id)
            work.sync |= event == NO_BODY
            work.census |= event == PROJECT_DELETED
        work.changed -= work.deleted
        return work


def _queue_sync(connection: JiraConnection, *, census: bool) -> str:
    """An incremental sync (with a census when asked), unless one is queued or running."""
    # Imported here: integrations.tasks imports this module's package (queue_set_up).
    from integrations.sync.claims import active_run
    from integrations.tasks import queue_sync

    if census:
        JiraConnection.objects.filter(pk=connection.pk).update(last_census_at=None)
    requested = connection.sync_requested_at
    if active_run(connection) or (
        requested is not None and timezone.now() - requested < REQUEST_STALE_AFTER
    ):
        # The run under way (or about to start) reads the changes; a census waits for the next.
        return "a sync is already queued or running"
    queue_sync(connection, trigger=SyncRun.Trigger.WEBHOOK)
    return "sync queued"


def _apply(connection: JiraConnection, work: Work) -> str:
    """Read what changed from Jira and store it. Jira errors propagate."""
    done = []
    if work.deleted or work.changed:
        # A delete is confirmed with Jira before anything is removed: a replayed or forged
        # delivery never hides an issue that is still there.
        fetched = sync_issues_by_id(connection, work.deleted | work.changed)
        gone = work.deleted & set(fetched.missing)
        if gone:
            Issue.objects.filter(
                connection=connection, jira_id__in=gone, removed_at__isnull=True
            ).update(removed_at=timezone.now())
        done.append(
            f"{len(gone)} of {len(work.deleted)} deleted issues confirmed and removed, "
            f"{len(work.changed)} fetched, {fetched.stored} stored, "
            f"{len(set(fetched.missing) - gone)} not returned by Jira (left to the census)"
        )
    if work.sprints:
        with client_for(connection) as client:
            read = refresh_sprints(client, connection, jira_ids=work.sprints)
        done.append(f"{read} of {len(work.sprints)} sprints read again")
    if work.sync or work.census:
        done.append(_queue_sync(connection, census=work.census))
    return "; ".join(done) or "nothing to do"


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
    events = list(claimed.values_list("event", "issue_jira_ids", "sprint_jira_id"))
    if not connection.can_sync or connection.sync_watermark is None:
        # Before the first full sync, or while the connection needs fixing: the next
        # sync reads everything these events were about.
        claimed.update(processed_at=timezone.now())
        return f"skipped {len(events)} events: the connection isn't synced yet or can't sync"
    try:
        summary = _apply(connection, Work.of(events))
    except JiraError as error:
        logger.warning("Webhook events of connection %s not applied: %s", connection_id, error)
        if error.permanent:
            claimed.update(processed_at=timezone.now())  # the sync reports what is wrong
            return f"failed: {error.message}"
        # Given back: the next delivery's task (or the scheduled sync) takes them.
        claimed.update(claim="", claimed_at=None)
        if isinstance(error, JiraRateLimitedError) and error.retry_after:
            # Jira paused the site: nobody waits for it; they are applied when Jira allows.
            when = timezone.now() + timedelta(seconds=min(error.retry_after, MAX_PAUSE_SECONDS))
            run_once_at(
                f"jira-webhooks-retry-{connection_id}",
                "integrations.webhooks.tasks.process_webhook_events_task",
                connection_id,
                when=when,
            )
            return f"paused by Jira: {len(events)} events wait until {when:%H:%M} UTC"
        return f"failed: {error.message}"
    claimed.update(processed_at=timezone.now())
    return f"{len(events)} events: {summary}"
