"""The ground truth of a site, for comparing a sync's result against what Jira holds."""

from __future__ import annotations

from .constants import ISSUE_TYPES, NOT_DELIVERED
from .dates import iso_utc
from .records import IssueCore
from .render import comment_json, description_json
from .sprints import board_json

PR_MARK = "/pull/"


def _urls(node) -> list[str]:
    """Every link in an ADF document: smart-link urls and link-mark hrefs."""
    found = []
    if isinstance(node, dict):
        attrs = node.get("attrs") or {}
        for key in ("url", "href"):
            if isinstance(attrs.get(key), str):
                found.append(attrs[key])
        for value in (node.get("content"), node.get("marks")):
            found += _urls(value)
    elif isinstance(node, list):
        for child in node:
            found += _urls(child)
    return found


def text_pull_requests(site, core: IssueCore) -> set[str]:
    """PR URLs an integration-less client still finds: remote links, description, comments."""
    urls = [link.url for link in core.links]
    urls += _urls(description_json(site, core))
    for comment in core.comments:
        urls += _urls(comment_json(site, core, comment, "")["body"])
    return {url for url in urls if url.startswith("https://github.com/") and PR_MARK in url}


def _points(value) -> float | None:
    return None if value is None else float(value)


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
        "story_points_raw": core.story_points,
        "parent": site.issue_id(parent) if parent >= 0 and not sk.deleted[parent] else None,
        "comment_count": len(core.comments),
        "history_count": len(core.histories),
        "status_transitions": sum(
            1 for h in core.histories for i in h.items if i.get("fieldId") == "status"
        ),
        "pr_urls": sorted({pr.url for pr in core.prs}),
        "remote_link_urls": [link.url for link in core.links],
        # Delivery facts as the simulator knows them happened.
        "resolution": core.resolution[1] if core.resolution else None,
        "completed": iso_utc(core.completed_ms),
        "completed_ms": core.completed_ms,
        "delivered": core.completed_ms is not None
        and (core.resolution is None or core.resolution[1] not in NOT_DELIVERED),
        "story_points": _points(core.story_points),
        # Every linked PR (development panel, links, comments), and those a client without
        # the development panel (OAuth) can find.
        "linked_pr_urls": sorted({pr.url for pr in core.prs} | set(core.comment_prs)),
        "text_pr_urls": sorted(text_pull_requests(site, core)),
        # Sprints: the field now, and each stay [sprint id, joined, left or None] (ISO UTC).
        "sprint_ids": list(core.sprint_ids),
        "sprint_stays": [
            [sprint_id, iso_utc(joined), iso_utc(left)]
            for sprint_id, joined, left in core.sprint_stays
        ],
    }


def sprint_truth(site) -> dict[int, dict]:
    """Every sprint of the site as its Sprint field values show it, by id."""
    with site.lock:
        return {sprint_id: sprint.as_json() for sprint_id, sprint in site.sprints.items()}


def board_truth(site) -> dict[int, dict]:
    """Every board of the site as the Agile API shows it, by id."""
    with site.lock:
        boards = {project.index + 1: project for project in site.projects}
        return {board: board_json(project, board, "") for board, project in boards.items()}


def truth(site, email: str | None = None) -> dict[str, dict]:
    keys = None if email is None else site.visible_keys(email)
    with site.lock:
        indexes = site.live_indexes(keys)
        return {site.issue_id(i): issue_truth(site, i, site.core(i)) for i in indexes}
