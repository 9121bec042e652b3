"""A sync run of one connection: claim it, page through the search, store, census, finish.

Incremental by default: issues updated since the last successful run's start,
minus an overlap window (the JQL is built by integrations/jira/jql.py).
"""

import bisect
import contextlib
import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from integrations import shutdown
from integrations.clients import SiteUrlChanged, client_for, unreadable_credentials_message
from integrations.jira import jql
from integrations.jira.errors import (
    JiraAuthError,
    JiraBadRequestError,
    JiraError,
    JiraRateLimitedError,
    JiraRequestsStopped,
    wait_phrase,
)
from integrations.jira.pacing import MAX_PAUSE_SECONDS
from integrations.jira.paging import MAX_SEARCH_ISSUES, search_bound
from integrations.models import Issue, JiraConnection, SyncRun
from integrations.oauth.tokens import OAUTH_REJECTED_MESSAGE
from integrations.projects import flag_lost_projects, remember_visible_projects
from integrations.signals import issues_stored
from integrations.sync import claims, site_shape
from integrations.sync.boards import name_boards
from integrations.sync.extras import (
    DevStatusAccess,
    ExtrasFetcher,
    ExtrasProblems,
    PendingExtras,
)
from integrations.sync.finish import FACTS_VERSION
from integrations.sync.mapping import BASE_FIELDS, SkippedIssue, map_issues
from integrations.sync.pipeline import read_merged
from integrations.sync.remote_links import link_check_due
from integrations.sync.sprint_rows import refresh_open_sprints
from integrations.sync.writer import stored_versions, write_page
from pensero.encryption import SecretDecryptionError
from pensero.gc_tuning import with_bulk_allocations

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=15)
CENSUS_EVERY = timedelta(days=1)
PAGE_SIZE = 100
# Ids-only pages (the slices' first pass, the census): the largest the search gives.
ID_PAGE_SIZE = 5000
# A search of at least this many issues is read in slices side by side (plan_slices); a
# shorter one, as most incremental syncs are, in one stream.
SLICE_MIN_ISSUES = 500
SLICE_PAGES = 4
MAX_SLICES = 4
# Search pages read and not yet stored (the one being stored included): what a run holds
# in memory (about 5 MB a page), and, once per-issue requests are under way for them,
# enough to keep them going. A site far away (its fastest answer SLOW_ANSWER_SECONDS or
# more) gets twice as many: each page's per-issue requests then take a few round trips
# of waiting, which more pages fill, while close by the sync is busy computing anyway.
PAGES_IN_FLIGHT = 4
PAGES_IN_FLIGHT_FAR = 8
SLOW_ANSWER_SECONDS = 0.1
# Issues named one by one in a run's warnings; the rest are counted.
SKIPPED_LISTED = 20
# How often a run asks the database whether it was cancelled (a disconnect) while it
# waits on Jira; also before every page it stores.
CANCEL_CHECK_SECONDS = 0.25

Progress = Callable[[SyncRun], None]
Score = Callable[[list[int]], None]


@dataclass
class PreparedPage:
    """A search page mapped, with its per-issue requests under way."""

    raw_count: int  # issues in the page, read or not
    issue_ids: set[int]  # the ids Jira returned
    skipped: list[SkippedIssue]  # issues that couldn't be mapped
    pending: PendingExtras


class SyncCancelled(Exception):
    """The run must stop: its connection was disconnected or deleted (see claims.still_wanted)."""


class WorkerStopping(Exception):
    """The worker cluster is shutting down (integrations.shutdown): stop, resume later."""


class IssueSync:
    """One connection's issues being read and stored: the client, the rules, the run's tally.

    `sync_connection` drives a whole run through it; `by_id.sync_issues_by_id` a webhook
    batch (no run), with the site shape the last sync kept. Both store through
    `fetch_and_store`.
    """

    def __init__(
        self,
        connection: JiraConnection,
        run: SyncRun | None,
        *,
        full: bool,
        progress: Progress | None,
        verify_links: bool = False,
        score: Score | None = None,
    ):
        self.connection = connection
        self.run = run
        self.full = full
        self.verify_links = verify_links
        self.progress = progress
        self.score = score or queue_scoring
        self.client = client_for(connection)
        self.problems = ExtrasProblems()
        self.dev_status = DevStatusAccess()
        self.changed_issue_ids: list[int] = []
        self.skipped: list[SkippedIssue] = []
        self.search_complete = True
        self.since = None  # read remote links changed since then (None: ever)
        self.known = {}
        # Every issue id a full sync's search holds (sync_issues), for the census.
        self.census_ids: set[int] | None = None
        self._cancel_checked_at = time.monotonic()

    def check_cancelled(self, *, now: bool = False) -> None:
        """Raise SyncCancelled, after stopping the client, if the run may not go on.

        Asks the database at most every CANCEL_CHECK_SECONDS unless `now`. Called only
        from the thread that drives the run (the one with the database connection):
        between pages, between phases and while it waits on the reader and the per-issue
        requests. Once the client is stopped, no thread sends Jira anything more.
        """
        if self.run is None:
            return
        if shutdown.requested():
            self.client.stop()
            raise WorkerStopping
        moment = time.monotonic()
        if not now and moment - self._cancel_checked_at < CANCEL_CHECK_SECONDS:
            return
        self._cancel_checked_at = moment
        if not claims.still_wanted(self.run):
            self.client.stop()
            raise SyncCancelled

    # -- set-up ---------------------------------------------------------------

    def read_site_shape(self) -> None:
        """The site's fields, resolutions and statuses (kept for webhook batches), and the
        workspace's rules."""
        self.rules = site_shape.read_site_shape(self.client, self.connection).apply_to(
            self.connection
        )

    def use_kept_site_shape(self) -> None:
        """The shape the last sync read (a webhook batch): nothing asked of Jira again."""
        self.rules = site_shape.kept_site_shape(self.client, self.connection).apply_to(
            self.connection
        )

    def ask_for_projects(self) -> list[dict]:
        """The projects the account sees among the configured ones (all when none are)."""
        return self.client.search_projects(self.connection.project_key_list or None)

    def resolve_projects(self, visible: list[dict]) -> list[str]:
        """The keys to sync: configured ones the account can still see, or every visible
        project (`visible`: what `ask_for_projects` returned).

        A configured project the account can no longer see is flagged, not wiped.
        """
        configured = self.connection.project_key_list
        visible_keys = remember_visible_projects(self.connection, visible)
        wanted = configured or visible_keys
        lost = [key for key in wanted if key not in visible_keys]
        flag_lost_projects(self.connection, lost)
        for key in lost:
            self.warn(
                f"Project {key} is not visible to the Jira account; its issues were kept as they were."
            )
        if configured:
            # Issues of projects removed from the list are deleted, as the Manage page says.
            Issue.objects.filter(connection=self.connection).exclude(
                project_key__in=configured
            ).delete()
        return [key for key in wanted if key in visible_keys]

    def warn(self, message: str) -> None:
        if message not in self.run.warnings:
            self.run.warnings.append(message)

    def warn_if(self, message: str) -> None:
        """A warning from a step that returns "" when it has none."""
        if message:
            self.warn(message)

    def warn_about_data(self) -> None:
        """Warnings about what was read: skipped issues, unknown statuses, dev-status errors."""
        for skipped in self.skipped[:SKIPPED_LISTED]:
            self.warn(str(skipped))
        if len(self.skipped) > SKIPPED_LISTED:
            more = len(self.skipped) - SKIPPED_LISTED
            self.warn(f"… and {more} more issues skipped (see the server log).")
        if self.problems.unknown_statuses:
            names = ", ".join(sorted(self.problems.unknown_statuses)[:10])
            self.warn(
                f"Statuses no longer in Jira's status list, of unknown category: {names}. "
                "Moves through them don't count as a start or completion; completion dates "
                "fall back to Jira's status category change date."
            )
        for application_type, message in sorted(self.problems.dev_status_errors.items()):
            self.warn(
                f"Jira's development panel refused pull requests of type {application_type}: "
                f"{message} Other types and links were still read."
            )
        if self.problems.dev_status_unavailable:
            self.warn(
                "Jira's development panel (linked pull requests) isn't available to this "
                "connection; pull requests are read from links and comments instead."
            )

    def warn_paging_cut_short(self) -> None:
        """Paging loops the client stopped at a bound (a broken or hostile Jira)."""
        for message in self.client.pages_cut_short:
            self.warn(message)

    # -- the issue pages ------------------------------------------------------

    def sync_issues(self, project_keys: list[str]) -> None:
        watermark = None if self.full else self.connection.sync_watermark
        self.since = watermark - OVERLAP if watermark else None
        clause = jql.all_of(
            jql.projects_in(project_keys), jql.updated_since(self.since) if self.since else ""
        )
        if self.full:
            # Every issue's id first, in pages of 5,000: the exact count, the slices'
            # bounds and the census's list (see census), in the round trips Jira's
            # approximate count alone would take on most sites.
            ids, whole = self.list_issue_ids(clause, expected=None)
            expected = len(ids)
        else:
            expected = self.approximate_count(clause)
            wanted = expected is not None and expected >= SLICE_MIN_ISSUES
            ids, whole = self.list_issue_ids(clause, expected) if wanted else (None, False)
        self.run.issues_expected = expected
        claims.beat(self.run, issues_expected=expected)
        returned = self.fetch_and_store(
            clause, max_issues=search_bound(expected), slices=self.plan_slices(ids)
        )
        if self.full and whole:
            # Issues created during the run are in Jira's answers, not in the list.
            self.census_ids = set(ids) | returned

    def approximate_count(self, clause: str) -> int | None:
        """Jira's estimate of how many issues `clause` matches (None if it can't say)."""
        try:
            return self.client.approximate_count(clause)
        except JiraError as error:
            if not error.permanent:
                raise
            return None

    def list_issue_ids(self, clause: str, expected: int | None) -> tuple[list[int], bool]:
        """The ids of the issues `clause` matches, from ids-only pages of ID_PAGE_SIZE, and
        whether the list is whole (no page was cut short at a bound)."""
        cut_short_before = len(self.client.pages_cut_short)
        ids: list[int] = []
        for page in self.client.iter_search_pages(
            jql=jql.in_stable_order(clause),
            fields=["id"],
            max_results=ID_PAGE_SIZE,
            max_issues=search_bound(expected),
        ):
            self.check_cancelled()
            ids += _issue_ids(page)
        return ids, len(self.client.pages_cut_short) == cut_short_before

    def plan_slices(self, ids: list[int] | None) -> list[tuple] | None:
        """Slices of issue ids `(low, high, expected)` to read the search in, side by side;
        None to read it in one stream (a short search: most incremental syncs).

        One stream of pages waits a round trip per page; slices of about SLICE_PAGES
        pages each, up to MAX_SLICES, take that many fewer round trips one after the
        other. Their bounds come from `ids` (list_issue_ids), and hold every issue
        whatever they are (jql.plan_id_slices).
        """
        if ids is None or len(ids) < SLICE_MIN_ISSUES:
            return None
        wanted = min(MAX_SLICES, math.ceil(len(ids) / (PAGE_SIZE * SLICE_PAGES)))
        slices = jql.plan_id_slices(ids, wanted)
        return [(low, high, _count_between(ids, low, high)) for low, high in slices]

    def pages_in_flight(self) -> int:
        """How many search pages may be read ahead of the one being stored (see
        PAGES_IN_FLIGHT), from how fast the site has answered so far."""
        fastest = self.client.pacer.fastest_answer()
        far = fastest is not None and fastest >= SLOW_ANSWER_SECONDS
        return PAGES_IN_FLIGHT_FAR if far else PAGES_IN_FLIGHT

    def fetch_and_store(
        self,
        clause: str,
        *,
        issue_ids: list[int] | None = None,
        max_issues: int = MAX_SEARCH_ISSUES,
        slices: list[tuple] | None = None,
    ) -> set[int]:
        """Search `clause`, complete the issues that changed and store them, page by page.

        The one way issues get from Jira into the database: a sync's search, and a
        webhook batch's `issue_ids` (also passed as `reconcileIssues`, so the search sees
        edits made a moment ago: it is otherwise only eventually consistent). A row is
        never overwritten with an older `updated`. Returns the ids Jira returned.
        With `slices` (`plan_slices`), the search is read in those slices side by side.
        """
        # What is stored already, read once here: the reader threads below must not
        # touch the database (SQLite allows no reader beside an open write).
        self.known = stored_versions(self.connection, jira_ids=issue_ids)
        cut_short_before = len(self.client.pages_cut_short)
        query = {"fields": self.search_fields(), "expand": "changelog", "max_results": PAGE_SIZE}
        if slices:
            sources = self.client.iter_search_slices(
                clause=clause, slices=slices, max_issues=max_issues, **query
            )
        else:
            sources = [
                self.client.iter_search_pages(
                    jql=jql.in_stable_order(clause),
                    reconcile_issues=issue_ids,
                    max_issues=max_issues,
                    **query,
                )
            ]
        # The stages overlap: reader threads (one per slice) fetch the search pages and
        # start their per-issue requests while this thread stores earlier pages.
        returned: set[int] = set()
        with ExtrasFetcher(
            self.client,
            self.rules,
            self.problems,
            links_since=self.since,
            verify_links=self.verify_links,
            dev_status=self.dev_status,
        ) as extras:
            # PAGES_IN_FLIGHT pages read and not yet stored, whatever the slices: a reader
            # submits a page's per-issue requests and goes on to its next search page
            # without waiting for them.
            prepared = [(self.prepare_page(page, extras) for page in pages) for pages in sources]
            ahead = read_merged(prepared, self.pages_in_flight(), idle=self.check_cancelled)
            # Closed on the way out, a cancel included: the reader thread stops first.
            with contextlib.closing(ahead):
                for page in ahead:
                    finished, unreadable = page.pending.wait(idle=self.check_cancelled)
                    returned |= page.issue_ids
                    self.skipped += page.skipped + unreadable
                    self.store_page(page.raw_count, finished)
        # A search stopped at a bound may have missed issues: keep the watermark.
        self.search_complete &= len(self.client.pages_cut_short) == cut_short_before
        return returned

    def search_fields(self) -> list[str]:
        """The fields every issue is read with (the sync's pages and webhook fetches)."""
        extra = [
            *self.connection.story_points_field_ids,
            self.connection.development_field,
            self.connection.sprint_field,
        ]
        return BASE_FIELDS + [f for f in dict.fromkeys(extra) if f]

    def prepare_page(self, page: dict, extras: ExtrasFetcher) -> "PreparedPage":
        """Map a search page; start completing the issues that changed (network only).

        Runs on the reader thread: it reads the run's state and changes none of it.
        """
        raw_issues = page.get("issues")
        raw_issues = raw_issues if isinstance(raw_issues, list) else []
        records, skipped = map_issues(
            raw_issues,
            story_points_fields=self.connection.story_points_field_ids,
            development_field=self.connection.development_field,
            sprint_field=self.connection.sprint_field,
        )
        # Never overwrite a row with an older `updated`; skip unchanged rows unless --full.
        changed = [
            r
            for r in records
            if r.jira_id not in self.known or self.known[r.jira_id].is_older_than(r, full=self.full)
        ]
        return PreparedPage(
            raw_count=len(raw_issues),
            issue_ids=set(_issue_ids(page)),
            skipped=skipped,
            pending=extras.submit(changed),
        )

    def store_page(self, raw_count: int, changed: list) -> None:
        self.check_cancelled(now=True)

        def save_progress(result):
            self.run.issues_seen += raw_count
            self.run.issues_created += result.created
            self.run.issues_updated += result.updated
            self.run.requests_made = self.client.request_count
            claims.beat(
                self.run,
                issues_seen=self.run.issues_seen,
                issues_created=self.run.issues_created,
                issues_updated=self.run.issues_updated,
                requests_made=self.run.requests_made,
            )

        result = write_page(
            self.connection,
            changed,
            known=self.known,
            on_saved=save_progress if self.run is not None else None,
        )
        self.changed_issue_ids += result.changed_issue_ids or []
        if self.progress:
            self.progress(self.run)

    # -- deletions ------------------------------------------------------------

    def census(self, project_keys: list[str]) -> None:
        """Mark issues Jira no longer shows (deleted, or moved out of the synced projects).

        A full sync listed every issue's id at its start (`census_ids`, with those the
        search returned since): that list is used, not asked for again. An issue deleted
        during the run is then marked by the next census.
        """
        stored = Issue.objects.filter(
            connection=self.connection, removed_at__isnull=True, project_key__in=project_keys
        ).values_list("pk", "jira_id")
        seen = self.census_ids
        if seen is None:
            ids, whole = self.list_issue_ids(jql.projects_in(project_keys), stored.count())
            if not whole:
                # An incomplete census would take missing issues for deleted ones.
                self.warn("The check for deleted issues was skipped; it runs again next time.")
                return
            seen = set(ids)
        gone = [pk for pk, jira_id in stored if jira_id not in seen]
        now = timezone.now()
        for start in range(0, len(gone), 1000):
            Issue.objects.filter(pk__in=gone[start : start + 1000]).update(removed_at=now)
        self.run.issues_removed = len(gone)
        self.connection.last_census_at = now


def _issue_ids(page: dict) -> list[int]:
    """The numeric ids of a search page's issues."""
    issues = page.get("issues")
    return [
        int(issue["id"])
        for issue in (issues if isinstance(issues, list) else [])
        if isinstance(issue, dict) and str(issue.get("id", "")).isdigit()
    ]


def _count_between(ids: list[int], low: int | None, high: int | None) -> int:
    ordered = sorted(ids)
    start = 0 if low is None else bisect.bisect_left(ordered, low)
    end = len(ordered) if high is None else bisect.bisect_left(ordered, high)
    return end - start


def _census_due(connection: JiraConnection, full: bool) -> bool:
    return (
        full
        or connection.last_census_at is None
        or (timezone.now() - connection.last_census_at >= CENSUS_EVERY)
    )


def _mark_needs_attention(connection: JiraConnection, message: str) -> None:
    JiraConnection.objects.filter(pk=connection.pk).update(
        status=JiraConnection.Status.NEEDS_ATTENTION,
        last_error=message,
        last_error_at=timezone.now(),
    )


@with_bulk_allocations
def sync_connection(
    connection: JiraConnection,
    *,
    trigger: str = SyncRun.Trigger.SCHEDULE,
    full: bool = False,
    verify_links: bool = False,
    progress: Progress | None = None,
    score: Score | None = None,
) -> SyncRun | None:
    """Sync one connection. Returns the finished run, or None if another run holds the connection.

    The issues the run stored are then scored: by `score(issue_ids)` before this returns
    (the command line scores in its own process), or by queued tasks (the default).
    `verify_links` (also weekly, by itself) reads every issue's remote links, which takes
    a full sync: links made without a changelog record are caught there.
    """
    connection.refresh_from_db()  # the caller's copy may predate the last run
    first_sync = connection.sync_watermark is None
    verify_links = verify_links or link_check_due(connection, timezone.now())
    # Stored facts of an older version are recomputed by re-reading every issue.
    full = full or first_sync or verify_links or connection.facts_version < FACTS_VERSION
    kind = SyncRun.Kind.FULL if full else SyncRun.Kind.INCREMENTAL
    run = claims.claim(connection, kind=kind, trigger=trigger)
    if run is None:
        return None
    try:
        sync = IssueSync(
            connection,
            run,
            full=full,
            verify_links=verify_links,
            progress=progress,
            score=score,
        )
    except SecretDecryptionError:  # the API token, decrypted when the client is made
        logger.warning(
            "Sync of connection %s failed: its credentials can't be decrypted", connection.pk
        )
        message = unreadable_credentials_message(connection)
        _mark_needs_attention(connection, message)
        claims.finish(run, status=SyncRun.Status.FAILED, error=message)
        return run
    except SiteUrlChanged as error:  # nothing was sent: the credentials are for another site
        logger.warning("Sync of connection %s refused: %s", connection.pk, error)
        _mark_needs_attention(connection, error.message)
        claims.finish(run, status=SyncRun.Status.FAILED, error=error.message)
        return run
    try:
        sync.check_cancelled(now=True)
        # The account first, alone: it proves the credentials (and gets an OAuth
        # connection's access token) before anything else is sent.
        myself = sync.client.myself()
        connection.jira_time_zone = str(myself.get("timeZone") or connection.jira_time_zone)
        # The account the sync reads as: an OAuth connection learns it here, not when connected.
        connection.jira_account_id = str(myself.get("accountId") or connection.jira_account_id)
        # Then the site's shape and the projects side by side: one round trip less before
        # the search (0.2 s at 200 ms a request), on every sync.
        # If the shape fails, leaving the block waits for the projects' request first.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="jira-setup") as pool:
            asked_projects = pool.submit(sync.ask_for_projects)
            sync.read_site_shape()
            visible_projects = asked_projects.result()
        sync.check_cancelled()
        project_keys = sync.resolve_projects(visible_projects)
        if project_keys:
            sync.sync_issues(project_keys)
            sync.check_cancelled(now=True)
            if not sync.full:
                # A full sync has just read every issue's Sprint field, open sprints' too.
                refresh_open_sprints(sync.client, connection)
            sync.warn_if(name_boards(sync.client, connection))
            if _census_due(connection, sync.full):
                sync.census(project_keys)
        else:
            sync.warn(
                "No project to sync: the Jira account can't see any of the configured projects."
            )
        sync.check_cancelled(now=True)
    except WorkerStopping:
        return _interrupted(sync)
    except (SyncCancelled, JiraRequestsStopped):
        if shutdown.requested():  # the client was stopped for the shutdown
            return _interrupted(sync)
        return _cancelled(sync)
    except JiraAuthError as error:
        message = error.message
        if connection.is_oauth and error.status == 401:
            message = OAUTH_REJECTED_MESSAGE  # the token was fresh: the grant was revoked
        _mark_needs_attention(connection, message)
        return _finish(sync, SyncRun.Status.FAILED, message)
    except SecretDecryptionError:  # an OAuth token, decrypted when the first request needs it
        message = unreadable_credentials_message(connection)
        _mark_needs_attention(connection, message)
        return _finish(sync, SyncRun.Status.FAILED, message)
    except JiraBadRequestError as error:
        return _finish(sync, SyncRun.Status.FAILED, f"Jira refused the search: {error.message}")
    except JiraRateLimitedError as error:
        if error.retry_after is None or error.retry_after <= sync.client.max_retry_after:
            message = f"{error.message} The next sync will resume from here."
            return _finish(sync, SyncRun.Status.FAILED, message)
        # A pause longer than a run may hold its worker: stop now, try again when Jira allows.
        wait = min(error.retry_after, MAX_PAUSE_SECONDS)
        sync.run.next_try_at = timezone.now() + timedelta(seconds=wait)
        logger.warning("Sync of connection %s paused by Jira for %.0f s", connection.pk, wait)
        return _finish(
            sync,
            SyncRun.Status.FAILED,
            f"Jira asked this app to pause requests to {connection.site_host} for "
            f"{wait_phrase(wait)}. The sync stopped and tries again at "
            f"{sync.run.next_try_at:%H:%M} UTC, from where it stopped.",
        )
    except JiraError as error:
        logger.warning("Sync of connection %s failed: %s", connection.pk, error)
        return _finish(
            sync, SyncRun.Status.FAILED, f"{error.message} The next sync will resume from here."
        )
    except Exception:
        if not claims.still_wanted(run):  # e.g. the connection was deleted under its writes
            return _cancelled(sync)
        logger.exception("Sync of connection %s crashed", connection.pk)
        return _finish(
            sync, SyncRun.Status.FAILED, "The sync stopped on an unexpected error; it was logged."
        )
    sync.warn_about_data()
    sync.warn_paging_cut_short()
    status = SyncRun.Status.PARTIAL if run.warnings else SyncRun.Status.SUCCEEDED
    # The watermark is the run's start: anything changed during the run is picked up next time.
    with transaction.atomic():
        JiraConnection.objects.filter(pk=connection.pk).update(
            sync_watermark=run.started_at if sync.search_complete else connection.sync_watermark,
            last_synced_at=timezone.now(),
            last_census_at=connection.last_census_at,
            jira_time_zone=connection.jira_time_zone,
            jira_account_id=connection.jira_account_id,
            estimation_fields=connection.estimation_fields,
            development_field=connection.development_field,
            sprint_field=connection.sprint_field,
            resolutions=connection.resolutions,
            facts_version=FACTS_VERSION,
            # Connections made before the site URL was kept get it at their first good sync.
            site_url=connection.site_url or sync.client.base_url,
            remote_links_checked_at=run.started_at
            if verify_links or first_sync
            else connection.remote_links_checked_at,
        )
        finished = _finish(sync, status)
    return finished


def _finish(sync: IssueSync, status: str, error: str = "") -> SyncRun:
    sync.warn_paging_cut_short()
    sync.run.requests_made = sync.client.request_count
    sync.run.api_points = sync.client.points_estimate
    claims.finish(sync.run, status=status, error=error)
    run = sync.run
    logger.info(
        "sync_run id=%s workspace=%s connection=%s kind=%s trigger=%s status=%s seconds=%.1f "
        "seen=%s created=%s updated=%s removed=%s requests=%s points=%s",
        run.pk,
        sync.connection.workspace_id,
        sync.connection.pk,
        run.kind,
        run.trigger,
        run.status,
        (run.finished_at - run.started_at).total_seconds(),
        run.issues_seen,
        run.issues_created,
        run.issues_updated,
        run.issues_removed,
        run.requests_made,
        run.api_points,
    )
    sync.client.close()
    if sync.changed_issue_ids:
        # Once the run's last transaction commits: scoring must not hold it open.
        transaction.on_commit(lambda: sync.score(sync.changed_issue_ids))
    return sync.run


def _interrupted(sync: IssueSync) -> SyncRun:
    """End a run whose worker is shutting down; it is resumed from here by the next cluster,
    as soon as one runs (``next_try_at``: integrations.tasks schedules it)."""
    sync.run.next_try_at = timezone.now()
    logger.info("Sync of connection %s stopped: its worker is shutting down", sync.connection.pk)
    return _finish(
        sync,
        SyncRun.Status.FAILED,
        "The sync stopped because its worker was shut down (a restart or a deploy); it "
        "resumes from here as soon as a worker runs again.",
    )


def _cancelled(sync: IssueSync) -> SyncRun:
    """End a run whose connection was disconnected: nothing more goes to Jira, the run's
    counts stay as they were when it was cancelled, and what it stored is still scored."""
    sync.client.stop()
    sync.client.close()
    run = claims.finish_cancelled(sync.run)
    logger.info(
        "sync_run id=%s workspace=%s connection=%s status=%s seen=%s requests=%s",
        run.pk,
        sync.connection.workspace_id,
        sync.connection.pk,
        run.status,
        run.issues_seen,
        sync.client.request_count,
    )
    if sync.changed_issue_ids:
        transaction.on_commit(lambda: sync.score(sync.changed_issue_ids))
    sync.run = run
    return run


def queue_scoring(issue_ids: list[int]) -> None:
    """Say which issues were stored; analytics stores their status spans and scores them
    (it listens: it builds on us)."""
    issues_stored.send(sender=JiraConnection, issue_ids=issue_ids)
