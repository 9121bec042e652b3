"""Store a page of mapped issues: bulk upserts in one transaction, idempotent.

Re-running a page writes the same rows again (keyed by the Jira ids), so a sync
killed at any point and run again neither loses nor duplicates anything.
"""

from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from integrations.models import (
    Comment,
    EstimateChange,
    Issue,
    IssueDocument,
    JiraConnection,
    PullRequest,
    StatusTransition,
)
from integrations.sync.mapping import IssueRecord
from integrations.sync.people import account_ids_for
from integrations.sync.remote_links import keep_stored_remote_links
from integrations.sync.rows import (
    comment_rows,
    document_rows,
    estimate_rows,
    issue_row,
    pull_request_rows,
    transition_rows,
)
from integrations.sync.sprint_rows import store_sprints
from pensero.bulk import delete_rows, insert_rows, upsert_rows


@dataclass
class PageResult:
    created: int = 0
    updated: int = 0
    changed_issue_ids: list[int] | None = None


class StoredVersion(NamedTuple):
    """What the sync needs to know of a stored issue to tell whether Jira's is newer."""

    updated: float  # updated_at as a timestamp
    removed: bool

    def is_older_than(self, record: IssueRecord, *, full: bool = False) -> bool:
        """Whether `record` should replace the stored row (on a full sync, also the same one).

        A removed row is always replaced: the issue is back in Jira's answers.
        """
        updated = record.updated_at.timestamp()
        return self.removed or updated > self.updated or (full and updated == self.updated)


def stored_versions(connection: JiraConnection, *, jira_ids=None) -> dict[int, StoredVersion]:
    """jira_id → StoredVersion of every stored row (~100 bytes an issue).

    With `jira_ids`, only those issues' rows.
    """
    rows = Issue.objects.filter(connection=connection)
    if jira_ids is not None:
        rows = rows.filter(jira_id__in=list(jira_ids))
    return {
        jira_id: StoredVersion(updated.timestamp(), removed is not None)
        for jira_id, updated, removed in rows.values_list(
            "jira_id", "updated_at", "removed_at"
        ).iterator(chunk_size=5000)
    }


def _not_older_than_stored(connection: JiraConnection, records: list[IssueRecord]) -> list:
    """`records` less those older than the stored row, which stays locked until the commit.

    `known` was read when the page was, but another writer (a webhook batch, a second
    sync) may have stored a newer version of an issue since: it is never overwritten
    with an older one.
    """
    stored = dict(
        Issue.objects.select_for_update()
        .filter(
            connection=connection,
            jira_id__in=[r.jira_id for r in records],
            removed_at__isnull=True,
        )
        .values_list("jira_id", "updated_at")
    )
    return [r for r in records if r.jira_id not in stored or r.updated_at >= stored[r.jira_id]]


def write_page(
    connection: JiraConnection, records: list[IssueRecord], *, known: dict, on_saved=None
) -> PageResult:
    """Upsert `records` (already filtered to changed issues) and their children in one transaction.

    `known` is what `stored_versions` returned at the start of the run (it tells new
    issues from updated ones); `on_saved` runs inside the same transaction (the run's
    progress is saved with the page).
    """
    result = PageResult(changed_issue_ids=[])
    if not records:
        if on_saved:
            with transaction.atomic():
                on_saved(result)
        return result
    with transaction.atomic():
        records = _not_older_than_stored(connection, records)
        keep_stored_remote_links(
            connection, [r for r in records if not r.remote_links_read and r.jira_id in known]
        )
        user_ids = account_ids_for(connection, records)
        now = timezone.now()
        new_pks: set[int] = set()
        upserted = upsert_rows(
            Issue,
            [issue_row(connection, r, user_ids, now) for r in records],
            unique=["connection_id", "jira_id"],
            return_pks=True,
            inserted=new_pks,
        )
        pks = {jira_id: pk for (_, jira_id), pk in upserted.items()}
        issue_pks = list(pks.values())
        # Children are replaced as a whole, so deleted comments and links vanish too. A
        # row just inserted has none: a first sync's pages skip these round trips.
        stored_before = [pk for pk in issue_pks if pk not in new_pks]
        for model in (Comment, StatusTransition, IssueDocument, PullRequest, EstimateChange):
            delete_rows(model, "issue_id", stored_before)
        pairs = [(pks[r.jira_id], r) for r in records]
        insert_rows(Comment, [row for pk, r in pairs for row in comment_rows(pk, r, user_ids)])
        insert_rows(
            StatusTransition, [row for pk, r in pairs for row in transition_rows(pk, r, user_ids)]
        )
        insert_rows(IssueDocument, [row for pk, r in pairs for row in document_rows(pk, r)])
        insert_rows(PullRequest, [row for pk, r in pairs for row in pull_request_rows(pk, r)])
        insert_rows(EstimateChange, [row for pk, r in pairs for row in estimate_rows(pk, r)])
        store_sprints(connection, records, pks)
        result.created = sum(1 for r in records if r.jira_id not in known)
        result.updated = len(records) - result.created
        result.changed_issue_ids = issue_pks
        if on_saved:
            on_saved(result)
    return result
