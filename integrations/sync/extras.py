"""Per-issue requests, made only for issues that changed, many at a time.

Remote links (only where the changelog says they changed, see remote_links.py), the
dev-status pull requests (only when the Development field says there are some), and the
rest of truncated comment lists and changelogs. Then each record is finished
(``finish.finish``): its derived facts computed once. The client is thread-safe, honours
Retry-After on its own, and its site's pacer decides how many requests are in flight.
"""

import contextlib
import functools
import logging
import threading
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
from integrations.sync.finish import Workflow, finish, unknown_statuses
from integrations.sync.mapping import IssueRecord, SkippedIssue, map_comment
from integrations.sync.remote_links import changelog_touches_links

logger = logging.getLogger(__name__)


@dataclass
class ExtrasProblems:
    """Problems that don't fail the run; shown as warnings on the Manage page.

    Filled only by the thread that waits for the pages (`PendingExtras.wait`), from what
    each issue's requests returned.
    """

    dev_status_unavailable: bool = False
    remote_links_unavailable: int = 0
    # "application type: what went wrong", per type (a site can list two for one PR).
    dev_status_errors: dict[str, str] = field(default_factory=dict)
    # Statuses met in changelogs whose category can't be told: "name (id)".
    unknown_statuses: set[str] = field(default_factory=set)
    messages: set[str] = field(default_factory=set)

    def add(self, issue: "IssueProblems") -> None:
        self.dev_status_unavailable |= issue.dev_status_refused
        self.remote_links_unavailable += issue.remote_links_unavailable
        for application_type, message in issue.dev_status_errors.items():
            self.dev_status_errors.setdefault(application_type, message)


@dataclass
class IssueProblems:
    """What went wrong in one issue's requests, returned to the caller to be added up."""

    dev_status_refused: bool = False  # a 401 before any dev-status call of the run worked
    remote_links_unavailable: bool = False
    dev_status_errors: dict[str, str] = field(default_factory=dict)


class DevStatusAccess:
    """Whether the private dev-status API still answers this run.

    The one state the per-issue requests share, behind a lock: a 401 before any call
    worked means the connection can't use that API at all (OAuth), and then no issue
    asks it again; a 401 after one worked is that call's error only.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._worked = False
        self._closed = False

    @property
    def open(self) -> bool:
        with self._lock:
            return not self._closed

    def answered(self) -> None:
        with self._lock:
            self._worked = True

    def refused(self) -> bool:
        """Note a 401; True if the API is now known to be closed to this connection."""
        with self._lock:
            if not self._worked:
                self._closed = True
            return self._closed


@dataclass
class PullRequestsRead:
    prs: list = field(default_factory=list)
    refused: bool = False
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ChangelogAndLinks:
    histories: list | None = None  # the whole changelog, when it was read
    remote_links: list | None = None  # when they were asked for
    links_unavailable: bool = False


def _pull_requests(client: JiraClient, record: IssueRecord, access: DevStatusAccess):
    """PRs from every application type that lists some; one type's error spares the others."""
    read = PullRequestsRead()
    if not access.open:
        return read
    try:
        types = record.pull_request_types or client.dev_status_instance_types(record.jira_id)
    except JiraAuthError:
        read.refused = access.refused()
        return read
    except JiraError as error:
        if not error.permanent:
            raise
        read.errors.setdefault("summary", error.message)
        return read
    for application_type in types:
        try:
            read.prs += client.dev_status_pull_requests(record.jira_id, application_type)
            access.answered()
        except JiraAuthError as error:
            if access.refused():
                read.refused = True
                return read
            read.errors.setdefault(application_type, error.message)
        except ValueError:
            read.errors.setdefault(application_type[:60], "not a valid application type")
        except JiraError as error:
            if not error.permanent:
                raise
            read.errors.setdefault(application_type, error.message)
    return read


def _comments(client: JiraClient, record: IssueRecord) -> list | None:
    """Every comment of the issue; None if it vanished since the search (the inline part
    is kept, the census decides)."""
    try:
        return [c for c in map(map_comment, client.iter_issue_comments(record.jira_id)) if c]
    except (JiraForbiddenError, JiraNotFoundError):
        return None


def _changelog_and_remote_links(
    client: JiraClient,
    record: IssueRecord,
    links_since: datetime | None,
    verify_links: bool,
) -> ChangelogAndLinks:
    """The rest of a truncated changelog, then the remote links if they are wanted.

    Submitted for a complete changelog only when the links are wanted (see
    `ExtrasFetcher._wants_changelog_or_links`); otherwise that is known only once the
    whole changelog is in.
    """
    read = ChangelogAndLinks()
    if not record.changelog_complete:
        # The issue may have vanished since the search: then keep the inline part.
        with contextlib.suppress(JiraForbiddenError, JiraNotFoundError):
            read.histories = list(client.iter_issue_changelog(record.jira_id))
        histories = record.histories if read.histories is None else read.histories
        if not (verify_links or changelog_touches_links(histories, links_since)):
            return read
    try:
        read.remote_links = client.remote_links(record.jira_id)
    except (JiraForbiddenError, JiraNotFoundError):
        # Linking disabled, or the issue vanished since the search: nothing to link.
        read.remote_links = []
        read.links_unavailable = True
    return read


def _finish_when_read(
    record: IssueRecord,
    rules: Workflow,
    pulls: Future | None,
    comments: Future | None,
    links: Future | None,
) -> IssueProblems:
    """Put what the issue's requests returned into the record, then finish it.

    The only code that changes the record, once its requests are in (they are all done
    when it runs: see `_when_done`). Runs on a pool thread, off the thread that stores
    pages (that is the one a sync waits on).
    """
    problems = IssueProblems()
    if comments is not None and (read_comments := comments.result()) is not None:
        record.comments = read_comments
        record.comment_total = max(record.comment_total, len(read_comments))
        record.comments_complete = True
    remote_links = []
    if links is not None:
        changelog = links.result()
        if changelog.histories is not None:
            record.histories = changelog.histories
        if changelog.remote_links is not None:
            record.remote_links_read = True
            remote_links = changelog.remote_links
        problems.remote_links_unavailable = changelog.links_unavailable
    prs = []
    if pulls is not None:
        read = pulls.result()
        prs = read.prs
        problems.dev_status_refused = read.refused
        problems.dev_status_errors = read.errors
    finish(record, rules, remote_links=remote_links, dev_status_prs=prs)
    return problems


def _when_done(requests: list[Future], work: Callable[[], IssueProblems]) -> Future:
    """A future of `work()`, run by whichever thread completes the last of `requests`.

    Not a task of its own: at zero latency, a task per issue that sat on a pool thread
    waiting for the issue's requests cost more CPU (thread wake-ups, lock hand-overs)
    than finishing the issue, and took a thread from the requests at real latency.
    """
    finished: Future = Future()
    left = len(requests)
    lock = threading.Lock()

    def one_done(_request: Future) -> None:
        nonlocal left, work
        with lock:
            left -= 1
            if left:
                return
        # The requests keep this callback, and `work` holds them and the record: let go
        # of it, so that no reference cycle keeps the issue's data alive once it is stored
        # (only the garbage collector could free it then, at a cost in CPU and memory).
        job, work = work, None
        if not finished.set_running_or_notify_cancel():
            return
        try:
            finished.set_result(job())
        except BaseException as error:  # noqa: BLE001 - handed to whoever waits for it
            finished.set_exception(error)

    for request in requests:
        request.add_done_callback(one_done)
    return finished


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
        dev_status: DevStatusAccess | None = None,
    ):
        self._client = client
        self._rules = rules
        self._problems = problems
        # The run's, when it makes several fetchers (a webhook batch, 50 issues each).
        self._dev_status = dev_status or DevStatusAccess()
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
        client, pool = self._client, self._pool
        work: list[tuple[IssueRecord, Future | None, int | None]] = []
        quiet: list[IssueRecord] = []
        for record in records:
            pulls = (
                pool.submit(_pull_requests, client, record, self._dev_status)
                if record.has_development and self._dev_status.open
                else None
            )
            comments = None if record.comments_complete else pool.submit(_comments, client, record)
            links = (
                pool.submit(
                    _changelog_and_remote_links,
                    client,
                    record,
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
                done = _when_done(
                    [f for f in (pulls, comments, links) if f is not None],
                    functools.partial(
                        _finish_when_read, record, self._rules, pulls, comments, links
                    ),
                )
                work.append((record, done, None))
        if quiet:
            together = pool.submit(_finish_each, quiet, self._rules)
            work = [(r, together if done is None else done, at) for r, done, at in work]
        return PendingExtras(work, self._problems)

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
    def __init__(
        self, work: list[tuple[IssueRecord, Future, int | None]], problems: ExtrasProblems
    ):
        # (record, its task, None) or, for records finished together, (record, the
        # shared task, the record's place in that task's outcomes).
        self._work = work
        self._problems = problems

    def wait(
        self, idle: Callable[[], None] | None = None, idle_seconds: float = 0.25
    ) -> tuple[list[IssueRecord], list[SkippedIssue]]:
        """The finished records, and those skipped because their data couldn't be read.

        Each issue's problems are added to the run's here, in the waiting thread. Jira's
        errors propagate (the run fails and resumes later); a surprise in one issue's
        data skips that issue only. While it waits, `idle()` is called every
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
                if position is None:
                    self._problems.add(outcome)
            except JiraError:
                raise
            except Exception as error:  # noqa: BLE001 - one odd issue must not stop the others
                logger.warning("Skipped issue %s: %s", record.jira_id, type(error).__name__)
                reason = f"its details came in a shape that can't be read ({type(error).__name__})."
                skipped.append(SkippedIssue(str(record.jira_id), record.key, reason))
            else:
                self._problems.unknown_statuses |= unknown_statuses(record.transitions)
                finished.append(record)
        return finished, skipped
