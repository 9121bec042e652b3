"""Per-issue requests, made only for issues that changed, many at a time.

Remote links (only where the changelog says they changed, see remote_links.py), the
dev-status pull requests (only when the Development field says there are some), and the
rest of truncated comment lists and changelogs. The client is thread-safe, honours
Retry-After on its own, and its site's pacer decides how many requests are in flight.
"""

import contextlib
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


@dataclass
class ExtrasProblems:
    """Problems that don't fail the run; shown as warnings on the Manage page."""

    dev_status_unavailable: bool = False
    remote_links_unavailable: int = 0
    messages: set[str] = field(default_factory=set)


def _pull_requests(client: JiraClient, record: IssueRecord, problems: ExtrasProblems) -> list:
    if not record.has_development or problems.dev_status_unavailable:
        return []
    try:
        return client.dev_status_pull_requests(
            record.jira_id, instance_types=record.pull_request_types
        )
    except JiraAuthError:
        # dev-status is private and refuses some connections (OAuth): fall back to links.
        problems.dev_status_unavailable = True
    except JiraError as error:
        if not error.permanent:
            raise
        problems.dev_status_unavailable = True
    return []


def _comments(client: JiraClient, record: IssueRecord) -> None:
    try:
        comments = [c for c in map(map_comment, client.iter_issue_comments(record.jira_id)) if c]
    except (JiraForbiddenError, JiraNotFoundError):
        return  # the issue vanished since the search; keep the inline part, the census decides
    record.comments = comments
    record.comment_total = max(record.comment_total, len(comments))
    record.comments_complete = True


def _changelog_and_remote_links(
    client: JiraClient,
    record: IssueRecord,
    problems: ExtrasProblems,
    categories_by_status_id: dict[str, str],
    links_since: datetime | None,
    verify_links: bool,
) -> list:
    if not record.changelog_complete:
        # The issue may have vanished since the search: then keep the inline part.
        with contextlib.suppress(JiraForbiddenError, JiraNotFoundError):
            record.histories = list(client.iter_issue_changelog(record.jira_id))
    # Here rather than where the page is stored: that thread is the one a sync waits on.
    record.transitions = map_transitions(record.histories, categories_by_status_id)
    # After the changelog: whether to ask depends on the complete one (remote_links.py).
    if not (verify_links or changelog_touches_links(record.histories, links_since)):
        return []
    record.remote_links_read = True
    try:
        return client.remote_links(record.jira_id)
    except (JiraForbiddenError, JiraNotFoundError):
        # Linking disabled, or the issue vanished since the search: nothing to link.
        problems.remote_links_unavailable += 1
        return []


class ExtrasFetcher:
    """The per-issue requests of a run, on a pool as large as the site's window may grow.

    `submit` returns at once, so the next search page is read while these requests run;
    how many are really in flight is up to the site's pacer (integrations/jira/pacing.py).
    Remote links are asked only for issues whose changelog shows a link added or removed
    since `links_since` (ever, when None), or for every issue with `verify_links`.
    """

    def __init__(
        self,
        client: JiraClient,
        categories_by_status_id: dict[str, str],
        problems: ExtrasProblems,
        *,
        links_since: datetime | None = None,
        verify_links: bool = False,
    ):
        self._client = client
        self._categories = categories_by_status_id
        self._problems = problems
        self._links_since = links_since
        self._verify_links = verify_links
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, int(client.pacer.ceiling)), thread_name_prefix="jira-extras"
        )

    def submit(self, records: list[IssueRecord]) -> "PendingExtras":
        """Start each issue's requests; those that don't depend on each other run side by side."""
        client, problems, pool = self._client, self._problems, self._pool
        work = []
        for record in records:
            pulls = pool.submit(_pull_requests, client, record, problems)
            comments = None if record.comments_complete else pool.submit(_comments, client, record)
            links = pool.submit(
                _changelog_and_remote_links,
                client,
                record,
                problems,
                self._categories,
                self._links_since,
                self._verify_links,
            )
            work.append((record, pulls, comments, links))
        return PendingExtras(records, work)

    def close(self) -> None:
        # Requests already sent end within their deadline; queued ones are dropped.
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "ExtrasFetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class PendingExtras:
    def __init__(self, records: list[IssueRecord], work: list):
        self.records = records
        self._work = work

    def wait(self) -> list[IssueRecord]:
        """The records, completed. Transient errors propagate (the run fails, resumes later)."""
        for record, pulls, comments, links in self._work:
            if comments is not None:
                comments.result()
            collect_links(record, links.result(), pulls.result())
        return self.records
