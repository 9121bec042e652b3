"""Write every visible synced issue as CSV or JSON lines."""

import csv
import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db.models import F

from analytics.export import safe_cell
from integrations.models import Issue
from pensero.models import Workspace

COLUMNS = [
    "site",
    "jira_id",
    "key",
    "project",
    "summary",
    "status",
    "status_category",
    "issue_type",
    "assignee_account_id",
    "creator_account_id",
    "created",
    "updated",
    "resolved",
    "comments",
    "linked_prs",
    "linked_documents",
    "score",
]


class Command(BaseCommand):
    help = "Export synced issues, one row per visible issue. ID is the connection's id as in its Manage page URL."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", metavar="SLUG")
        parser.add_argument("--connection", type=int, metavar="ID")
        parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")

    def handle(self, *args, workspace=None, connection=None, format="csv", **options):
        issues = Issue.objects.filter(removed_at__isnull=True)
        if workspace:
            if not Workspace.objects.filter(slug=workspace).exists():
                raise CommandError(f"No workspace with the slug {workspace!r}.")
            issues = issues.filter(workspace__slug=workspace)
        if connection is not None:
            issues = issues.filter(connection_id=connection)
        rows = (
            issues.order_by("connection_id", "jira_id")
            .annotate(
                site=F("connection__subdomain"),
                assignee_account_id=F("assignee__account_id"),
                creator_account_id=F("creator__account_id"),
                score_value=F("score__score"),
            )
            .values(
                "site",
                "jira_id",
                "key",
                "project_key",
                "summary",
                "status",
                "status_category",
                "issue_type",
                "assignee_account_id",
                "creator_account_id",
                "created_at",
                "updated_at",
                "resolved_at",
                "comment_count",
                "pull_request_count",
                "document_count",
                "score_value",
            )
        )
        out = self.stdout._out if hasattr(self.stdout, "_out") else sys.stdout
        writer = csv.writer(out) if format == "csv" else None
        if writer:
            writer.writerow(COLUMNS)
        for row in rows.iterator(chunk_size=2000):
            values = [
                f"{row['site']}.atlassian.net",
                row["jira_id"],
                row["key"],
                row["project_key"],
                row["summary"],
                row["status"],
                row["status_category"],
                row["issue_type"],
                row["assignee_account_id"] or "",
                row["creator_account_id"] or "",
                row["created_at"].isoformat(),
                row["updated_at"].isoformat(),
                row["resolved_at"].isoformat() if row["resolved_at"] else "",
                row["comment_count"],
                row["pull_request_count"],
                row["document_count"],
                "" if row["score_value"] is None else row["score_value"],
            ]
            if writer:
                # The same rule as the web's CSV downloads: a spreadsheet must not run a cell.
                writer.writerow([safe_cell(v) if isinstance(v, str) else v for v in values])
            else:
                out.write(json.dumps(dict(zip(COLUMNS, values, strict=True))) + "\n")
