"""Per-issue requests, made only for issues that changed, a few at a time.

Remote links (only where the changelog says they changed, see remote_links.py), the
dev-status pull requests (only when the Development field says there are some), and the
rest of truncated comment lists and changelogs.
The client is thread-safe and honours Retry-After on its own; the pool is
small so a burst limit isn't hit harder than a single sync would.
"""

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from integrations.jira.client import JiraClient
from integrations.jira.errors import (
    JiraAuthError,
    JiraError,
    JiraForbiddenError,
    JiraNotFoundError,
)
from integrations.sync.mapping import IssueRecord, collect_links, map_comment, map_transitions
from integrations.sync.remote_links import changelog_touches_links

logger = logging.getLogger(__name__)

POOL_SIZE = 4


@dataclass
class ExtrasProblems:
    """Problems that don't fail the run; shown as warnings on the Manage page."""

    dev_status_unavailable: bool = False
    remote_links_unavailable: int = 0
    messages: set[str] = field(default_factory=set)


def _fetch_one(
    client: JiraClient,
    record: IssueRecord,
    problems: ExtrasProblems,
    links_since: datetime | None,
    verify_links: bool,
) -> None:
    prs: list[dict] = []
    if record.has_development and not problems.dev_status_unavailable:
        try:
            prs = client.dev_status_pull_requests(
                record.jira_id, instance_types=record.pull_request_types
            )
        except JiraAuthError:
            # dev-status is private and refuses some connections (OAuth): fall back to links.
            problems.dev_status_unavailable = True
        except JiraError as error:
            if error.permanent:
                problems.dev_status_unavailable = True
            else:
                raise
    try:
        if not record.comments_complete:
            comments = [
                c for c in map(map_comment, client.iter_issue_comments(record.jira_id)) if c
            ]
            record.comments = comments
            record.comment_total = max(record.comment_total, len(comments))
            record.comments_complete = True
        if not record.changelog_complete:
            record.histories = list(client.iter_issue_changelog(record.jira_id))
    except (JiraForbiddenError, JiraNotFoundError):
        # The issue vanished since the search; keep the inline part, the census decides.
        pass
    remote_links: list[dict] = []
    # After the changelog: whether to ask depends on the complete one (remote_links.py).
    if verify_links or changelog_touches_links(record.histories, links_since):
        record.remote_links_read = True
        try:
            remote_links = client.remote_links(record.jira_id)
        except (JiraForbiddenError, JiraNotFoundError):
            # Linking disabled, or the issue vanished since the search: nothing to link.
            problems.remote_links_unavailable += 1
    collect_links(record, remote_links, prs)


def fetch_extras(
    client: JiraClient,
    records: list[IssueRecord],
    categories_by_status_id: dict[str, str],
    problems: ExtrasProblems,
    *,
    links_since: datetime | None = None,
    verify_links: bool = False,
) -> None:
    """Complete `records` in place. Transient errors propagate (the run fails and resumes later).

    Remote links are asked only for issues whose changelog shows a link added or removed
    since `links_since` (ever, when None), or for every issue with `verify_links`.
    """
    if records:
        with ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="jira-extras") as pool:
            # list() re-raises the first error of any worker.
            list(
                pool.map(
                    lambda r: _fetch_one(client, r, problems, links_since, verify_links), records
                )
            )
    for record in records:
        record.transitions = map_transitions(record.histories, categories_by_status_id)
