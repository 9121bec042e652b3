"""Webhook payloads shaped as real Jira Cloud and Server sites send them (fact sheet §10-§11).

Each builder returns the JSON body; only the parts the app may read are filled in, the way
real deliveries carry them: a Server comment event has no `issue`, a link event only the
two issue ids, a worklog event only `worklog.issueId`, a sprint event only `sprint`.
"""

import json
import time

BASE = "https://acme.atlassian.net"


def _body(event: str, **parts) -> bytes:
    return json.dumps(
        {"timestamp": int(time.time() * 1000), "webhookEvent": event, **parts}
    ).encode()


def issue_event(event: str, issue_id) -> bytes:
    issue = {"id": str(issue_id), "self": f"{BASE}/rest/api/2/issue/{issue_id}", "key": "X-1"}
    return _body(event, issue_event_type_name="issue_generic", issue=issue)


def cloud_comment(issue_id, comment_id=10500, event="comment_created") -> bytes:
    """Cloud comment events carry the issue, whose `self` may be malformed (…/api/2/10357)."""
    comment = {"id": str(comment_id), "self": f"{BASE}/rest/api/2/issue/{issue_id}/comment/1"}
    issue = {"id": str(issue_id), "self": f"{BASE}/rest/api/2/{issue_id}", "key": "X-1"}
    return _body(event, comment=comment, issue=issue)


def server_comment(issue_id, comment_id=10082, event="comment_created") -> bytes:
    """Server and Data Center comment events: no `issue`, only the comment's URL."""
    comment = {
        "id": str(comment_id),
        "self": f"https://jira.example.com/rest/api/2/issue/{issue_id}/comment/{comment_id}",
        "body": "Looks good",
    }
    return _body(event, comment=comment)


def issuelink(source_id, destination_id, event="issuelink_created") -> bytes:
    link = {
        "id": 10100,
        "sourceIssueId": int(source_id),
        "destinationIssueId": int(destination_id),
        "issueLinkType": {"id": 10000, "name": "Blocks"},
        "systemLink": False,
    }
    return _body(event, issueLink=link)


def worklog(issue_id, event="worklog_created") -> bytes:
    work = {
        "self": f"{BASE}/rest/api/2/issue/{issue_id}/worklog/10300",
        "issueId": str(issue_id),
        "id": "10300",
        "timeSpentSeconds": 3600,
    }
    return _body(event, worklog=work)


def sprint(sprint_id, event="sprint_started", state="active") -> bytes:
    data = {
        "id": int(sprint_id),
        "self": f"{BASE}/rest/agile/1.0/sprint/{sprint_id}",
        "state": state,
        "name": f"Sprint {sprint_id}",
        "originBoardId": 1,
    }
    return _body(event, sprint=data)


def project_deleted(key="KAN") -> bytes:
    return _body("project_deleted", project={"id": 10000, "key": key, "name": key.title()})


def dynamic(issue_id, matched_webhook_ids, event="jira:issue_updated") -> bytes:
    issue = {"id": str(issue_id), "self": f"{BASE}/rest/api/2/issue/{issue_id}", "key": "X-1"}
    return _body(event, issue=issue, matchedWebhookIds=list(matched_webhook_ids))


def nested(depth: int) -> bytes:
    """A signed body nested deeper than any parser goes."""
    return b'{"webhookEvent":"jira:issue_updated","x":' + b"[" * depth + b"]" * depth + b"}"
