"""Write every visible synced issue as CSV or JSON lines."""

from collections import defaultdict
from collections.abc import Callable

from django.core.management.base import BaseCommand
from django.db.models import F

from analytics.flow.time_in_status import cycle_time, hours_by_issue, lead_time
from analytics.investment.placement import placement, rule_set
from analytics.reports.export import (
    EXPORT_CHUNK,
    ColumnWriter,
    add_export_arguments,
    exported_issues,
    in_chunks,
    iso_time,
)
from integrations.models import Issue, SprintMembership


def _hours(span) -> float | str:
    return "" if span is None else round(span.total_seconds() / 3600, 2)


# Cycle and lead time describe delivered work only, as in the reports.
def _cycle_hours(row: dict) -> float | str:
    return _hours(cycle_time(row["started_at"], row["done_at"])) if row["delivered"] else ""


def _lead_hours(row: dict) -> float | str:
    return _hours(lead_time(row["created_at"], row["done_at"])) if row["delivered"] else ""


# The one list of columns: (name, how a row's value is read). Timestamps are ISO 8601 in
# UTC with their offset; empty when unknown.
COLUMNS: list[tuple[str, Callable[[dict], object]]] = [
    ("site", lambda row: f"{row['site']}.atlassian.net"),
    ("jira_id", lambda row: row["jira_id"]),
    ("key", lambda row: row["key"]),
    ("project", lambda row: row["project_key"]),
    ("summary", lambda row: row["summary"]),
    ("status", lambda row: row["status"]),
    ("status_category", lambda row: row["status_category"]),
    ("issue_type", lambda row: row["issue_type"]),
    ("assignee_account_id", lambda row: row["assignee_account_id"] or ""),
    ("creator_account_id", lambda row: row["creator_account_id"] or ""),
    ("created", lambda row: iso_time(row["created_at"])),
    ("updated", lambda row: iso_time(row["updated_at"])),
    ("resolved", lambda row: iso_time(row["resolved_at"])),
    ("resolution", lambda row: row["resolution"]),
    ("delivered", lambda row: "true" if row["delivered"] else "false"),
    ("started", lambda row: iso_time(row["started_at"])),
    ("completed", lambda row: iso_time(row["done_at"])),
    ("cycle_time_hours", _cycle_hours),
    ("lead_time_hours", _lead_hours),
    ("story_points", lambda row: "" if row["story_points"] is None else row["story_points"]),
    ("completed_by_account_id", lambda row: row["completed_by_account_id"] or ""),
    ("comments", lambda row: row["comment_count"]),
    ("linked_prs", lambda row: row["pull_request_count"]),
    ("linked_documents", lambda row: row["document_count"]),
    ("score", lambda row: "" if row["score_value"] is None else row["score_value"]),
    # Jira ids of every sprint the issue has been in, in the order it joined them.
    ("sprints", lambda row: ";".join(map(str, row["sprints"]))),
    ("investment", lambda row: row["investment"]),
    # Status name → hours from creation to completion; {} for open issues.
    ("time_in_status", lambda row: row["time_in_status"]),
]
FIELDS = (
    "jira_id",
    "key",
    "project_key",
    "summary",
    "status",
    "status_category",
    "issue_type",
    "created_at",
    "updated_at",
    "resolved_at",
    "resolution",
    "delivered",
    "started_at",
    "done_at",
    "story_points",
    "comment_count",
    "pull_request_count",
    "document_count",
)


class Command(BaseCommand):
    help = "Export synced issues, one row per visible issue. ID is the connection's id as in its Manage page URL."

    def add_arguments(self, parser):
        add_export_arguments(parser)

    def handle(self, *args, workspace=None, connection=None, format="csv", **options):
        issues = exported_issues(workspace, connection)
        out = ColumnWriter(self.stdout, COLUMNS, format=format)
        sites = issues.order_by("connection_id").values_list("connection_id", "workspace_id")
        rules_of = {}
        # Site by site: each workspace places issues in categories by its own rules.
        for connection_id, workspace_id in sites.distinct():
            rules = rules_of.get(workspace_id) or rule_set(workspace_id)
            rules_of[workspace_id] = rules
            rows = (
                issues.filter(connection_id=connection_id)
                .order_by("jira_id")
                .annotate(
                    site=F("connection__subdomain"),
                    assignee_account_id=F("assignee__account_id"),
                    creator_account_id=F("creator__account_id"),
                    completed_by_account_id=F("completed_by__account_id"),
                    score_value=F("score__score"),
                    rule=placement(rules),
                )
                .values(
                    *FIELDS,
                    "pk",
                    "site",
                    "assignee_account_id",
                    "creator_account_id",
                    "completed_by_account_id",
                    "score_value",
                    "rule",
                )
            )
            for chunk in in_chunks(rows.iterator(chunk_size=EXPORT_CHUNK)):
                ids = [row["pk"] for row in chunk]
                sprints = _sprints_of(ids)
                hours = _time_in_status_of(ids)
                for row in chunk:
                    row["sprints"] = sprints.get(row["pk"], [])
                    row["time_in_status"] = hours.get(row["pk"], {})
                    row["investment"] = rules.category_of(row["rule"])
                    out.write(row)


def _sprints_of(issue_ids: list[int]) -> dict[int, list[int]]:
    """Issue → Jira ids of the sprints it has been in, in the order it joined them."""
    sprints: dict[int, list[int]] = defaultdict(list)
    rows = (
        SprintMembership.objects.filter(issue_id__in=issue_ids)
        .order_by("issue_id", "joined_at", "sprint__jira_id")
        .values_list("issue_id", "sprint__jira_id")
    )
    for issue_id, sprint_id in rows:
        if sprint_id not in sprints[issue_id]:
            sprints[issue_id].append(sprint_id)
    return sprints


def _time_in_status_of(issue_ids: list[int]) -> dict[int, dict[str, float]]:
    """Completed issue → {status name: hours to completion}, rounded as the hours columns."""
    completed = Issue.objects.filter(pk__in=issue_ids, done_at__isnull=False)
    return {
        issue_id: {status: round(hours, 2) for status, hours in by_status.items()}
        for issue_id, by_status in hours_by_issue(completed).items()
    }
