"""Whether the reports' data is partial: a site whose first sync hasn't finished yet.

Until a connection's first sync finishes, its issues arrive page by page and every
number of every report is a part of the real one. The reports' base template says so
above each report (``templatetags/reports.py``), from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Subquery

from integrations.models import JiraConnection, SyncRun
from integrations.sync.claims import fail_stale_runs, sync_queued

RUNNING, QUEUED, STOPPED = "running", "queued", "stopped"


@dataclass(frozen=True)
class FirstSync:
    """A connection without a finished sync: its first sync is running, queued or stopped."""

    site_host: str
    state: str
    issues_seen: int = 0
    issues_expected: int | None = None

    @property
    def message(self) -> str:
        if self.state == RUNNING:
            of_about = f" of about {self.issues_expected}" if self.issues_expected else ""
            return (
                f"First sync of {self.site_host} running: {self.issues_seen}{of_about} "
                "issues so far."
            )
        if self.state == QUEUED:
            return (
                f"First sync of {self.site_host} queued: it starts as soon as a background "
                "worker picks it up."
            )
        return (
            f"The first sync of {self.site_host} stopped before it finished: the reports hold "
            "only the issues it stored. Settings → Integrations says why."
        )


def first_syncs(workspace) -> list[FirstSync]:
    """The workspace's connections whose first sync is running, queued or stopped.

    One query when every site has finished a sync (the usual case), three otherwise.
    """
    latest = SyncRun.objects.filter(connection=OuterRef("pk")).order_by("-started_at")
    connections = list(
        JiraConnection.objects.filter(workspace=workspace, last_synced_at__isnull=True)
        .exclude(status=JiraConnection.Status.DISCONNECTED)
        .filter(Q(sync_requested_at__isnull=False) | Exists(latest))
        .annotate(latest_run_id=Subquery(latest.values("pk")[:1]))
    )
    if not connections:
        return []
    fail_stale_runs(connections)  # a run whose worker is gone is not running
    runs = SyncRun.objects.in_bulk([c.latest_run_id for c in connections if c.latest_run_id])
    found = []
    for connection in connections:
        run = runs.get(connection.latest_run_id)
        if run is not None and run.is_running:
            found.append(
                FirstSync(connection.site_host, RUNNING, run.issues_seen, run.issues_expected)
            )
        elif sync_queued(connection, run):
            found.append(FirstSync(connection.site_host, QUEUED))
        elif run is not None:
            found.append(FirstSync(connection.site_host, STOPPED))
    return found
