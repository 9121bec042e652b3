"""Run a Jira sync in the foreground, with a progress bar (for operators and benchmarks).

The synced issues are scored in this process too, so the command returns with the data
finished; a queued scoring task would wait for a worker.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from integrations.models import JiraConnection, SyncRun
from integrations.signals import issues_stored
from integrations.sync.run import sync_connection


class Command(BaseCommand):
    help = (
        "Sync Jira now. ID is the connection's id, as in its Manage page URL "
        "(/settings/integrations/jira/ID/manage/). Without --connection, every active connection."
    )

    def add_arguments(self, parser):
        parser.add_argument("--connection", type=int, metavar="ID")
        parser.add_argument(
            "--full", action="store_true", help="Re-read every issue, not only the changed ones."
        )
        parser.add_argument(
            "--verify-links",
            action="store_true",
            help="Also read every issue's remote links (a full sync; runs weekly by itself), "
            "to catch links made without a changelog record.",
        )

    def handle(self, *args, connection=None, full=False, verify_links=False, **options):
        if connection is not None:
            connections = JiraConnection.objects.filter(pk=connection)
            if not connections.exists():
                raise CommandError(f"No Jira connection with id {connection}.")
        else:
            connections = JiraConnection.objects.filter(status=JiraConnection.Status.ACTIVE)
        failed = False
        for conn in connections:
            if not conn.can_sync:
                self.stderr.write(f"{conn}: {conn.get_status_display().lower()}; not synced.")
                failed = True
                continue
            self.stdout.write(f"Syncing {conn} (connection {conn.pk})…")
            self.scored = 0
            run = sync_connection(
                conn,
                trigger=SyncRun.Trigger.COMMAND,
                full=full,
                verify_links=verify_links,
                progress=self._progress,
                score=self._score,
            )
            if sys.stdout.isatty():
                self.stdout.write("")
            if run is None:
                self.stderr.write("  A sync of this connection is already running; skipped.")
                continue
            per_issue = (
                f" ({run.requests_per_issue:.2f} per issue)" if run.requests_per_issue else ""
            )
            points = f", about {run.api_points} API points" if conn.is_oauth else ""
            self.stdout.write(
                f"  {run.get_status_display()}: {run.issues_seen} issues seen, "
                f"{run.issues_created} new, {run.issues_updated} updated, "
                f"{run.issues_removed} removed, {run.requests_made} requests{per_issue}{points}; "
                f"{self.scored} issues scored."
            )
            for warning in run.warnings:
                self.stdout.write(f"  Warning: {warning}")
            if run.error:
                self.stderr.write(f"  {run.error}")
            failed = failed or run.status == SyncRun.Status.FAILED
        if failed:
            raise CommandError("At least one sync failed.")

    def _score(self, issue_ids):
        # Here, not in a queued task: when the command returns, the data is complete
        # (scores included) even with no worker running. Whoever scores issues
        # (analytics) does it during the call and says how many.
        answers = issues_stored.send(sender=JiraConnection, issue_ids=issue_ids, in_process=True)
        self.scored += sum(count for _, count in answers if isinstance(count, int))

    def _progress(self, run):
        total = run.issues_expected or 0
        done = run.issues_seen
        if total:
            width = 30
            filled = min(width, int(width * done / total))
            bar = "#" * filled + "-" * (width - filled)
            line = f"  [{bar}] {done}/{total} issues"
        else:
            line = f"  {done} issues"
        if sys.stdout.isatty():
            self.stdout.write("\r" + line, ending="")
            self.stdout.flush()
        elif done and done % 1000 < 100:
            self.stdout.write(line)
