"""Fetch and store given issues now, the way a sync page is stored (for webhooks)."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from integrations.jira import jql
from integrations.models import JiraConnection, JiraProject
from integrations.sync.extras import ExtrasFetcher
from integrations.sync.run import PAGE_SIZE, IssueSync, queue_scoring
from integrations.sync.writer import stored_versions, write_page

# reconcileIssues takes at most 50 ids (fact sheet section 3).
RECONCILE_LIMIT = 50


@dataclass
class IssuesFetched:
    stored: int = 0  # new, or newer than the stored row
    missing: list[int] = field(default_factory=list)  # asked for, not returned by Jira


def sync_issues_by_id(connection: JiraConnection, issue_ids: Iterable[int]) -> IssuesFetched:
    """Fetch these issues now and store them as a sync page is stored (for webhooks).

    The same fields, per-issue extras and writer as a sync, so an issue is never stored
    with an older `updated` than the one kept; one with the same `updated` is stored
    again (a deleted comment may leave `updated` as it was). The ids also go in
    `reconcileIssues`, so the search sees edits made a moment ago: it is otherwise only
    eventually consistent. An id Jira doesn't return (deleted, moved out of the synced
    projects, or hidden: they look alike) is left to the census. Jira errors propagate.
    """
    ids = sorted({int(i) for i in issue_ids})
    fetched = IssuesFetched()
    project_keys = connection.project_key_list
    if project_keys:
        # Not the keys the last sync found invisible: one unknown key fails the whole query.
        lost = set(
            JiraProject.objects.filter(
                connection=connection, key__in=project_keys, accessible=False
            ).values_list("key", flat=True)
        )
        project_keys = [key for key in project_keys if key not in lost]
        if not project_keys:
            fetched.missing = ids
            return fetched
    sync = IssueSync(connection, None, full=True, progress=None)
    returned: set[int] = set()
    try:
        # A few small requests, so the fields, statuses and resolutions are the sync's own.
        sync.detect_fields()
        sync.known = stored_versions(connection, jira_ids=ids)
        # Remote links of any issue whose history ever touched them: a batch is small.
        with ExtrasFetcher(sync.client, sync.rules, sync.problems) as extras:
            for start in range(0, len(ids), RECONCILE_LIMIT):
                chunk = ids[start : start + RECONCILE_LIMIT]
                clause = jql.all_of(
                    jql.projects_in(project_keys) if project_keys else "", jql.ids_in(chunk)
                )
                pages = sync.client.iter_search_pages(
                    jql=jql.in_stable_order(clause),
                    fields=sync.search_fields(),
                    expand="changelog",
                    max_results=PAGE_SIZE,
                    reconcile_issues=chunk,
                )
                for page in pages:
                    returned.update(
                        int(raw["id"])
                        for raw in page.get("issues") or []
                        if isinstance(raw, dict) and str(raw.get("id", "")).isdigit()
                    )
                    _, pending = sync.prepare_page(page, extras)
                    changed, _unreadable = pending.wait()
                    result = write_page(connection, changed, known=sync.known)
                    fetched.stored += len(result.changed_issue_ids or [])
                    sync.changed_issue_ids += result.changed_issue_ids or []
    finally:
        sync.client.close()
    fetched.missing = [i for i in ids if i not in returned]
    if sync.changed_issue_ids:
        queue_scoring(sync.changed_issue_ids)
    return fetched
