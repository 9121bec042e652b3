"""One sync per connection at a time, across any number of workers and clusters.

A run claims its connection by inserting a `running` SyncRun; a partial unique
constraint lets only one such row exist per connection, so the database decides
the race. A run whose heartbeat stopped (its worker was killed) is marked
failed before the next claim, instead of blocking the connection forever, and
whenever a page shows the runs. Disconnecting cancels the running run; the run asks
`still_wanted` a few times a second and stops when it may no longer go on.
"""

import os
import socket
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from integrations.models import JiraConnection, SyncRun

# A live run beats at least once per page; this leaves room for slow pages and Retry-After waits.
STALE_AFTER = timedelta(minutes=5)
KILLED_MESSAGE = "The sync stopped without finishing (its worker crashed or was stopped)."
DISCONNECTED_MESSAGE = "Sync cancelled: the connection was disconnected."


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def fail_stale_runs(connections: JiraConnection | QuerySet) -> int:
    """Fail the running runs of a connection (or a queryset of them) whose worker is gone.

    Gone means: the heartbeat stopped, or the process on this host that ran it exited
    (`kill -9`). Called wherever a run's state is shown, not only before the next claim,
    so no page keeps saying "Running" about a dead run. Only reads unless one is dead.
    """
    now = timezone.now()
    stale_before = now - STALE_AFTER
    here = socket.gethostname()[:255]
    if isinstance(connections, JiraConnection):
        connections = [connections]
    running = SyncRun.objects.filter(connection__in=connections, status=SyncRun.Status.RUNNING)
    stale, exited = [], []
    for pk, host, pid, heartbeat_at in running.values_list("pk", "host", "pid", "heartbeat_at"):
        if heartbeat_at < stale_before:
            stale.append(pk)
        elif host == here and pid and pid != os.getpid() and not _process_alive(pid):
            exited.append(pk)
    if not stale and not exited:
        return 0
    # A run whose heartbeat came back meanwhile is left alone.
    dead = running.filter(Q(pk__in=stale, heartbeat_at__lt=stale_before) | Q(pk__in=exited))
    return dead.update(status=SyncRun.Status.FAILED, finished_at=now, error=KILLED_MESSAGE)


def active_run(connection: JiraConnection) -> SyncRun | None:
    fail_stale_runs(connection)
    return SyncRun.objects.filter(connection=connection, status=SyncRun.Status.RUNNING).first()


def sync_queued(connection: JiraConnection, latest_run: SyncRun | None) -> bool:
    """A sync was asked for (on connecting, Sync now, the schedule) and no run started since.

    ``latest_run`` is the connection's latest run; the caller knows that no run is running.
    """
    return (
        connection.can_sync
        and connection.sync_requested_at is not None
        and (latest_run is None or latest_run.started_at < connection.sync_requested_at)
    )


def with_running_flag(connections: QuerySet) -> QuerySet:
    """`connections` annotated with `running` (a live sync holds it) and `last_run_status`
    (how the latest run stands), after failing dead runs."""
    fail_stale_runs(connections)
    runs = SyncRun.objects.filter(connection=OuterRef("pk"))
    return connections.annotate(
        running=Exists(runs.filter(status=SyncRun.Status.RUNNING)),
        last_run_status=Subquery(runs.order_by("-started_at").values("status")[:1]),
    )


def claim(connection: JiraConnection, *, kind: str, trigger: str) -> SyncRun | None:
    """Start a run for `connection`, or return None when another run holds it."""
    fail_stale_runs(connection)
    now = timezone.now()
    try:
        with transaction.atomic():
            return SyncRun.objects.create(
                connection=connection,
                kind=kind,
                trigger=trigger,
                status=SyncRun.Status.RUNNING,
                started_at=now,
                heartbeat_at=now,
                host=socket.gethostname()[:255],
                pid=os.getpid(),
            )
    except IntegrityError:
        return None


def cancel_running(connection: JiraConnection) -> int:
    """Cancel the connection's running sync (it is being disconnected); its counts stay as
    they are. The sync sees it within a second (`still_wanted`) and sends nothing more."""
    return SyncRun.objects.filter(connection=connection, status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.CANCELLED, finished_at=timezone.now(), error=DISCONNECTED_MESSAGE
    )


def still_wanted(run: SyncRun) -> bool:
    """Whether `run` may go on: it still holds its claim and its connection is connected.

    No longer when the connection was disconnected or deleted (with its runs), or the run
    was taken for dead.
    """
    return (
        SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING)
        .exclude(connection__status=JiraConnection.Status.DISCONNECTED)
        .exists()
    )


def beat(run: SyncRun, **counters) -> None:
    """Save progress counters and prove the run is alive."""
    run.heartbeat_at = timezone.now()
    for name, value in counters.items():
        setattr(run, name, value)
    SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
        heartbeat_at=run.heartbeat_at, **counters
    )


def finish(run: SyncRun, *, status: str, error: str = "") -> None:
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    # An update, not a save: a run deleted with its connection meanwhile is simply gone.
    SyncRun.objects.filter(pk=run.pk).update(
        **{
            name: getattr(run, name)
            for name in (
                "status",
                "error",
                "finished_at",
                "issues_expected",
                "issues_seen",
                "issues_created",
                "issues_updated",
                "issues_removed",
                "requests_made",
                "api_points",
                "warnings",
                "next_try_at",
            )
        }
    )


def finish_cancelled(run: SyncRun) -> SyncRun:
    """End a run that `still_wanted` said must stop; the run as recorded.

    A run the disconnect cancelled keeps what it recorded then; one still marked running
    (its connection was disconnected just as it started) is cancelled now. A run deleted
    with its connection is returned as it was last known, marked cancelled.
    """
    SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.CANCELLED, finished_at=timezone.now(), error=DISCONNECTED_MESSAGE
    )
    recorded = SyncRun.objects.filter(pk=run.pk).first()
    if recorded is None:
        run.status, run.error = SyncRun.Status.CANCELLED, DISCONNECTED_MESSAGE
        run.finished_at = run.finished_at or timezone.now()
        return run
    return recorded
