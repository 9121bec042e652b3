"""The ground truth of a site, for comparing a sync's result against what Jira holds."""

from __future__ import annotations

from .constants import ISSUE_TYPES
from .dates import iso_utc
from .records import IssueCore


def issue_truth(site, idx: int, core: IssueCore) -> dict:
    sk = site.skeleton
    parent = sk.parent[idx]
    assignee = site.user_json(core.assignee)
    return {
        "id": site.issue_id(idx),
        "key": site.key_of(idx),
        "project": site.project_of(idx).key,
        "summary": core.summary,
        "issuetype": ISSUE_TYPES[sk.types[idx]].name,
        "status": core.status.name,
        "status_category": core.status.category_key,
        "created": iso_utc(sk.created[idx]),
        "updated": iso_utc(sk.updated[idx]),
        "created_ms": sk.created[idx],
        "updated_ms": sk.updated[idx],
        "resolutiondate": iso_utc(core.resolution_ms),
        "assignee": assignee["accountId"] if assignee else None,
        "reporter": site.users[core.reporter].account_id,
        "priority": core.priority[1] if core.priority else None,
        "labels": list(core.labels),
        "story_points": core.story_points,
        "parent": site.issue_id(parent) if parent >= 0 and not sk.deleted[parent] else None,
        "comment_count": len(core.comments),
        "history_count": len(core.histories),
        "status_transitions": sum(
            1 for h in core.histories for i in h.items if i.get("fieldId") == "status"
        ),
        "pr_urls": sorted({pr.url for pr in core.prs}),
        "remote_link_urls": [link.url for link in core.links],
    }


def truth(site, email: str | None = None) -> dict[str, dict]:
    keys = None if email is None else site.visible_keys(email)
    with site.lock:
        indexes = site.live_indexes(keys)
        return {site.issue_id(i): issue_truth(site, i, site.core(i)) for i in indexes}
