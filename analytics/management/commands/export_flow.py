"""Write the time each completed issue spent in each status, as CSV or JSON lines."""

from django.core.management.base import BaseCommand
from django.db.models import F

from analytics.flow.time_in_status import status_hours
from analytics.reports.export import (
    EXPORT_CHUNK,
    ColumnWriter,
    add_export_arguments,
    exported_issues,
    in_chunks,
)
from integrations.models import Issue

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
        add_export_arguments(parser)

    def handle(self, *args, workspace=None, connection=None, format="csv", **options):
        issues = exported_issues(workspace, connection, done_at__isnull=False)
        out = ColumnWriter(self.stdout, COLUMNS, format=format)
        rows = (
            issues.order_by("connection_id", "jira_id")
            .annotate(site=F("connection__subdomain"))
            .values("pk", "key", "site")
        )
        for chunk in in_chunks(rows.iterator(chunk_size=EXPORT_CHUNK)):
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
