"""Per-issue requests, made only for issues that changed, many at a time.

Remote links (only where the changelog says they changed, see remote_links.py), the
dev-status pull requests (only when the Development field says there are some), and the
rest of truncated comment lists and changelogs. Then each record is finished
(``finish.finish``): its derived facts computed once. The client is thread-safe, honours
Retry-After on its own, and its site's pacer decides how many requests are in flight.
"""

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import datetime

from integrations.jira.client import JiraClient
from integrations.jira.errors import (
    JiraAuthError,
    JiraError,
    JiraForbiddenError,
    JiraNotFoundError,
)
from integrations.sync.finish import Workflow, finish
from integrations.sync.mapping import IssueRecord, SkippedIssue, map_comment
from integrations.sync.remote_links import changelog_touches_links

logger = logging.getLogger(__name__)


@dataclass
class ExtrasProblems:
    """Problems that don't fail the run; shown as warnings on the Manage page."""

    dev_status_unavailable: bool = False
    dev_status_worked: bool = False
    remote_links_unavailable: int = 0
    # "application type: what went wrong", per type (a site can list two for one PR).
    dev_status_errors: dict[str, str] = field(default_factory=dict)
    messages: set[str] = field(default_factory=set)


def _wants_pull_requests(record: IssueRecord, problems: ExtrasProblems) -> bool:
    return record.has_development and not problems.dev_status_unavailable


def _pull_requests(client: JiraClient, record: IssueRecord, problems: ExtrasProblems) -> list:
    """PRs from every application type that lists some; one type's error spares the others.

    A 401 before any dev-status call worked means the connection can't use the private
    API at all (OAuth): then it is not asked again this run.
    """
    if not _wants_pull_requests(record, problems):
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
    links_since: datetime | None,
    verify_links: bool,
) -> list:
    """The rest of a truncated changelog, then the remote links if they are wanted.

    Submitted for a complete changelog only when the links are wanted (see
    `ExtrasFetcher._wants_changelog_or_links`); otherwise that is known only once the
    whole changelog is in.
    """
    if not record.changelog_complete:
        # The issue may have vanished since the search: then keep the inline part.
        with contextlib.suppress(JiraForbiddenError, JiraNotFoundError):
            record.histories = list(client.iter_issue_changelog(record.jira_id))
        if not (verify_links or changelog_touches_links(record.histories, links_since)):
            return []
    record.remote_links_read = True
    try:
        return client.remote_links(record.jira_id)
    except (JiraForbiddenError, JiraNotFoundError):
        # Linking disabled, or the issue vanished since the search: nothing to link.
        problems.remote_links_unavailable += 1
        return []


def _finish_when_read(
    record: IssueRecord,
    rules: Workflow,
    pulls: Future | None,
    comments: Future | None,
    links: Future | None,
) -> None:
    """Finish the record once its requests are in.

    Runs on the pool, off the thread that stores pages (that is the one a sync waits on).
    It never waits on work queued after it: the pool takes tasks in order, and this one
    is submitted after the three it reads, so they are running or done by then.
    """
    if comments is not None:
        comments.result()
    finish(
        record,
        rules,
        remote_links=links.result() if links is not None else [],
        dev_status_prs=pulls.result() if pulls is not None else [],
    )


def _finish_each(records: list[IssueRecord], rules: Workflow) -> list[Exception | None]:
    """Finish records that needed no request; each one's surprise, or None, in order."""
    outcomes: list[Exception | None] = []
    for record in records:
        try:
            finish(record, rules, remote_links=[], dev_status_prs=[])
        except Exception as error:  # noqa: BLE001 - reported for this issue only, by wait()
            outcomes.append(error)
        else:
            outcomes.append(None)
    return outcomes


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
        rules: Workflow,
        problems: ExtrasProblems,
        *,
        links_since: datetime | None = None,
        verify_links: bool = False,
    ):
        self._client = client
        self._rules = rules
        self._problems = problems
        self._links_since = links_since
        self._verify_links = verify_links
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, int(client.pacer.ceiling)), thread_name_prefix="jira-extras"
        )

    def submit(self, records: list[IssueRecord]) -> "PendingExtras":
        """Start each issue's requests; those that don't depend on each other run side by side.

        Most issues need no request at all: those are finished together in one task, not
        one task each (at zero latency, scheduling thousands of no-op tasks cost more CPU
        than the work itself).
        """
        client, problems, pool = self._client, self._problems, self._pool
        work: list[tuple[IssueRecord, Future | None, int | None]] = []
        quiet: list[IssueRecord] = []
        for record in records:
            pulls = (
                pool.submit(_pull_requests, client, record, problems)
                if _wants_pull_requests(record, problems)
                else None
            )
            comments = None if record.comments_complete else pool.submit(_comments, client, record)
            links = (
                pool.submit(
                    _changelog_and_remote_links,
                    client,
                    record,
                    problems,
                    self._links_since,
                    self._verify_links,
                )
                if self._wants_changelog_or_links(record)
                else None
            )
            if pulls is None and comments is None and links is None:
                work.append((record, None, len(quiet)))
                quiet.append(record)
            else:
                done = pool.submit(_finish_when_read, record, self._rules, pulls, comments, links)
                work.append((record, done, None))
        if quiet:
            together = pool.submit(_finish_each, quiet, self._rules)
            work = [(r, together if done is None else done, at) for r, done, at in work]
        return PendingExtras(work)

    def _wants_changelog_or_links(self, record: IssueRecord) -> bool:
        # With a complete changelog, whether links are asked is known already.
        return (
            not record.changelog_complete
            or self._verify_links
            or changelog_touches_links(record.histories, self._links_since)
        )

    def close(self) -> None:
        # Requests already sent end within their deadline; queued ones are dropped.
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "ExtrasFetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class PendingExtras:
    def __init__(self, work: list[tuple[IssueRecord, Future, int | None]]):
        # (record, its task, None) or, for records finished together, (record, the
        # shared task, the record's place in that task's outcomes).
        self._work = work

    def wait(
        self, idle: Callable[[], None] | None = None, idle_seconds: float = 0.25
    ) -> tuple[list[IssueRecord], list[SkippedIssue]]:
        """The finished records, and those skipped because their data couldn't be read.

        Jira's errors propagate (the run fails and resumes later); a surprise in one
        issue's data skips that issue only. While it waits, `idle()` is called every
        `idle_seconds`; what it raises ends the wait.
        """
        finished, skipped = [], []
        for record, done, position in self._work:
            while idle is not None:
                try:
                    done.exception(timeout=idle_seconds)
                    break
                except FutureTimeout:
                    idle()
            try:
                outcome = done.result()
                if position is not None and outcome[position] is not None:
                    raise outcome[position]
            except JiraError:
                raise
            except Exception as error:  # noqa: BLE001 - one odd issue must not stop the others
                logger.warning("Skipped issue %s: %s", record.jira_id, type(error).__name__)
                reason = f"its details came in a shape that can't be read ({type(error).__name__})."
                skipped.append(SkippedIssue(str(record.jira_id), record.key, reason))
            else:
                finished.append(record)
        return finished, skipped
