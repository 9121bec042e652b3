"""One sync per connection at a time, across any number of workers and clusters.

A run claims its connection by inserting a `running` SyncRun; a partial unique
constraint lets only one such row exist per connection, so the database decides
the race. A run whose heartbeat stopped (its worker was killed) is marked
failed before the next claim, instead of blocking the connection forever.
"""

import os
import socket
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import JiraConnection, SyncRun

# A live run beats at least once per page; this leaves room for slow pages and Retry-After waits.
STALE_AFTER = timedelta(minutes=5)
KILLED_MESSAGE = "The sync stopped without finishing (its worker crashed or was stopped)."


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def fail_stale_runs(connection: JiraConnection) -> int:
    """Fail running runs whose heartbeat stopped, or whose process on this host is gone."""
    now = timezone.now()
    running = SyncRun.objects.filter(connection=connection, status=SyncRun.Status.RUNNING)
    dead = [
        run.pk
        for run in running.filter(host=socket.gethostname(), pid__isnull=False).only("pid")
        if run.pid != os.getpid() and not _process_alive(run.pid)
    ]
    stale = running.filter(heartbeat_at__lt=now - STALE_AFTER) | running.filter(pk__in=dead)
    return stale.update(status=SyncRun.Status.FAILED, finished_at=now, error=KILLED_MESSAGE)


def active_run(connection: JiraConnection) -> SyncRun | None:
    fail_stale_runs(connection)
    return SyncRun.objects.filter(connection=connection, status=SyncRun.Status.RUNNING).first()


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
    run.save(
        update_fields=[
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
        ]
    )
