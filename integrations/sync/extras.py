"""Per-issue requests, made only for issues that changed, a few at a time.

Remote links, the dev-status pull requests (only when the Development field
says there are some), and the rest of truncated comment lists and changelogs.
Then each record is finished (``finish.finish``): its derived facts computed once.
The client is thread-safe and honours Retry-After on its own; the pool is
small so a burst limit isn't hit harder than a single sync would.
"""

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from integrations.jira.client import JiraClient
from integrations.jira.errors import (
    JiraAuthError,
    JiraError,
    JiraForbiddenError,
    JiraNotFoundError,
)
from integrations.sync.finish import Workflow, finish
from integrations.sync.mapping import IssueRecord, SkippedIssue, map_comment

logger = logging.getLogger(__name__)

POOL_SIZE = 4


@dataclass
class ExtrasProblems:
    """Problems that don't fail the run; shown as warnings on the Manage page."""

    dev_status_unavailable: bool = False
    dev_status_worked: bool = False
    remote_links_unavailable: int = 0
    # "application type: what went wrong", per type (a site can list two for one PR).
    dev_status_errors: dict[str, str] = field(default_factory=dict)
    messages: set[str] = field(default_factory=set)


def _dev_status_pull_requests(
    client: JiraClient, record: IssueRecord, problems: ExtrasProblems
) -> list[dict]:
    """PRs from every application type that lists some; one type's error spares the others.

    A 401 before any dev-status call worked means the connection can't use the private
    API at all (OAuth): then it is not asked again this run.
    """
    if not record.has_development or problems.dev_status_unavailable:
        return []
    prs: list[dict] = []
    try:
        types = record.pull_request_types or client.dev_status_instance_types(record.jira_id)
    except JiraAuthError:
        problems.dev_status_unavailable = not problems.dev_status_worked
        return []
    except JiraError as error:
        if not error.permanent:
            raise
        problems.dev_status_errors.setdefault("summary", error.message)
        return []
    for application_type in types:
        try:
            prs += client.dev_status_pull_requests(record.jira_id, application_type)
            problems.dev_status_worked = True
        except JiraAuthError as error:
            if not problems.dev_status_worked:
                problems.dev_status_unavailable = True
                return prs
            problems.dev_status_errors.setdefault(application_type, error.message)
        except ValueError:
            problems.dev_status_errors.setdefault(
                application_type[:60], "not a valid application type"
            )
        except JiraError as error:
            if not error.permanent:
                raise
            problems.dev_status_errors.setdefault(application_type, error.message)
    return prs


def _fetch_one(
    client: JiraClient, record: IssueRecord, rules: Workflow, problems: ExtrasProblems
) -> None:
    remote_links: list[dict] = []
    try:
        remote_links = client.remote_links(record.jira_id)
    except (JiraForbiddenError, JiraNotFoundError):
        # Linking disabled, or the issue vanished since the search: nothing to link.
        problems.remote_links_unavailable += 1
    prs = _dev_status_pull_requests(client, record, problems)
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
    finish(record, rules, remote_links=remote_links, dev_status_prs=prs)


def _fetch_isolated(
    client: JiraClient, record: IssueRecord, rules: Workflow, problems: ExtrasProblems
) -> SkippedIssue | None:
    """``_fetch_one``, turning a surprise in one issue's data into a skipped issue."""
    try:
        _fetch_one(client, record, rules, problems)
    except JiraError:
        raise  # Jira's own errors are handled by the run (retried, or the run fails)
    except Exception as error:  # noqa: BLE001 - one odd issue must not stop the others
        logger.warning("Skipped issue %s: %s", record.jira_id, type(error).__name__)
        reason = f"its details came in a shape that can't be read ({type(error).__name__})."
        return SkippedIssue(str(record.jira_id), record.key, reason)
    return None


def fetch_extras(
    client: JiraClient,
    records: list[IssueRecord],
    rules: Workflow,
    problems: ExtrasProblems,
) -> tuple[list[IssueRecord], list[SkippedIssue]]:
    """Complete and finish `records`: the finished ones, and the ones skipped.

    Transient errors propagate (the run fails and resumes later).
    """
    if not records:
        return [], []
    with ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="jira-extras") as pool:
        # list() re-raises the first Jira error of any worker.
        outcomes = list(pool.map(lambda r: _fetch_isolated(client, r, rules, problems), records))
    finished = [r for r, skipped in zip(records, outcomes, strict=True) if skipped is None]
    return finished, [skipped for skipped in outcomes if skipped is not None]
