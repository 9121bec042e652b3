"""The rows a finished issue record is stored as: pure functions, no queries.

`user_ids` maps Jira account ids to JiraUser primary keys (sync/people.py).
"""

from datetime import datetime

from integrations.jira.fields import JiraUserRef
from integrations.models import JiraConnection
from integrations.sync.mapping import IssueRecord


def _user_pk(user_ids: dict[str, int], ref: JiraUserRef | None) -> int | None:
    return user_ids.get(ref.account_id) if ref else None


def issue_row(
    connection: JiraConnection, record: IssueRecord, user_ids: dict[str, int], now: datetime
) -> dict:
    return {
        "workspace_id": connection.workspace_id,
        "connection_id": connection.pk,
        "jira_id": record.jira_id,
        "key": record.key[:64],
        "project_key": record.project_key[:32],
        "summary": record.summary,
        "description": record.description,
        "status": record.status[:255],
        "status_category": record.status_category,
        "issue_type": record.issue_type[:255],
        "hierarchy_level": record.hierarchy_level,
        "priority": record.priority[:255],
        "labels": record.labels,
        "components": record.components,
        "parent_key": record.parent_key[:64],
        "story_points": record.story_points,
        "creator_id": _user_pk(user_ids, record.creator),
        "reporter_id": _user_pk(user_ids, record.reporter),
        "assignee_id": _user_pk(user_ids, record.assignee),
        "completed_by_id": _user_pk(user_ids, record.completed_by),
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "resolved_at": record.resolved_at,
        "resolution": record.resolution,
        "resolution_id": record.resolution_id,
        "started_at": record.started_at,
        "done_at": record.completed_at,
        "delivered": record.delivered,
        "comment_count": record.comment_total,
        "pull_request_count": len(record.pull_requests),
        "document_count": len(record.documents),
        "removed_at": None,
        "synced_at": now,
    }


def comment_rows(issue_pk: int, record: IssueRecord, user_ids: dict[str, int]) -> list[dict]:
    """One row per comment id (a page may list a comment twice while it is edited)."""
    rows = {}
    for comment in record.comments:
        rows.setdefault(
            comment.jira_id,
            {
                "issue_id": issue_pk,
                "jira_id": comment.jira_id,
                "author_id": _user_pk(user_ids, comment.author),
                "body": comment.body,
                "created_at": comment.created_at,
                "updated_at": comment.updated_at,
            },
        )
    return list(rows.values())


def transition_rows(issue_pk: int, record: IssueRecord, user_ids: dict[str, int]) -> list[dict]:
    rows = {}
    for t in record.transitions:
        rows.setdefault(
            t.history_id,
            {
                "issue_id": issue_pk,
                "history_id": t.history_id,
                "at": t.at,
                "from_status": t.from_status[:255],
                "to_status": t.to_status[:255],
                "from_category": t.from_category,
                "to_category": t.to_category,
                "from_status_id": t.from_status_id,
                "to_status_id": t.to_status_id,
                "author_id": _user_pk(user_ids, t.author),
            },
        )
    return list(rows.values())


def document_rows(issue_pk: int, record: IssueRecord) -> list[dict]:
    return [
        {
            "issue_id": issue_pk,
            "url": d.url,
            "title": d.title,
            "kind": d.kind,
            "application": d.application,
            "source": d.source,
        }
        for d in record.documents
    ]


def pull_request_rows(issue_pk: int, record: IssueRecord) -> list[dict]:
    return [
        {
            "issue_id": issue_pk,
            "url": p.url,
            "title": p.title,
            "state": p.state,
            "author": p.author,
            "repository": p.repository,
            "source": p.source,
        }
        for p in record.pull_requests
    ]


def estimate_rows(issue_pk: int, record: IssueRecord) -> list[dict]:
    return [
        {"issue_id": issue_pk, "at": step.at, "from_points": step.before, "to_points": step.after}
        for step in record.estimate_steps
    ]
