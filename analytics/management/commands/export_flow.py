"""Write the time each completed issue spent in each status, as CSV or JSON lines."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import F

from analytics.flow.time_in_status import status_hours
from analytics.management.commands.export_issues import CHUNK, _chunks
from analytics.reports.export import ColumnWriter
from integrations.models import Issue
from pensero.models import Workspace

COLUMNS = [
    ("site", lambda row: f"{row['site']}.atlassian.net"),
    ("key", lambda row: row["key"]),
    ("status", lambda row: row["status"]),
    ("stage", lambda row: row["stage"]),
    ("hours", lambda row: round(row["hours"], 2)),
]


class Command(BaseCommand):
    help = (
        "Export time in status: one row per completed issue and status it spent time in, "
        "from creation to completion, with the status's stage. ID is the connection's id "
        "as in its Manage page URL."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workspace", metavar="SLUG")
        parser.add_argument("--connection", type=int, metavar="ID")
        parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")

    def handle(self, *args, workspace=None, connection=None, format="csv", **options):
        issues = Issue.objects.filter(removed_at__isnull=True, done_at__isnull=False)
        if workspace:
            if not Workspace.objects.filter(slug=workspace).exists():
                raise CommandError(f"No workspace with the slug {workspace!r}.")
            issues = issues.filter(workspace__slug=workspace)
        if connection is not None:
            issues = issues.filter(connection_id=connection)
        out = ColumnWriter(self.stdout, COLUMNS, format=format)
        rows = (
            issues.order_by("connection_id", "jira_id")
            .annotate(site=F("connection__subdomain"))
            .values("pk", "key", "site")
        )
        for chunk in _chunks(rows.iterator(chunk_size=CHUNK), CHUNK):
            by_id = {row["pk"]: row for row in chunk}
            times = status_hours(Issue.objects.filter(pk__in=list(by_id)))
            # status_hours comes by issue id; write in the chunk's (site, jira id) order.
            by_issue: dict[int, list] = {}
            for time in times:
                by_issue.setdefault(time.issue_id, []).append(time)
            for issue_id, issue in by_id.items():
                for time in by_issue.get(issue_id, ()):
                    out.write(
                        {
                            "site": issue["site"],
                            "key": issue["key"],
                            "status": time.status,
                            "stage": time.stage,
                            "hours": time.hours,
                        }
                    )
