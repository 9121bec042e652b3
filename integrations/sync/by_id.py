"""Fetch and store given issues now, the way a sync stores them (for webhooks)."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from integrations.jira import jql
from integrations.models import JiraConnection, JiraProject
from integrations.sync.run import IssueSync, queue_scoring

# reconcileIssues takes at most 50 ids (fact sheet section 3).
RECONCILE_LIMIT = 50


@dataclass
class IssuesFetched:
    stored: int = 0  # new, or newer than the stored row
    missing: list[int] = field(default_factory=list)  # asked for, not returned by Jira


def sync_issues_by_id(connection: JiraConnection, issue_ids: Iterable[int]) -> IssuesFetched:
    """Fetch these issues now and store them through the sync's `fetch_and_store`.

    The same fields, per-issue requests and writer as a sync, with the site shape the
    last sync kept (site_shape.py): a batch asks Jira only for its issues. An issue is
    never stored with an older `updated` than the one kept; one with the same `updated`
    is stored again (a deleted comment may leave `updated` as it was). Remote links are
    read for any issue whose history ever touched them: a batch is small. An id Jira
    doesn't return (deleted, moved out of the synced projects, or hidden: they look
    alike) is left to the census. Jira errors propagate.
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
        sync.use_kept_site_shape()
        for start in range(0, len(ids), RECONCILE_LIMIT):
            chunk = ids[start : start + RECONCILE_LIMIT]
            clause = jql.all_of(
                jql.projects_in(project_keys) if project_keys else "", jql.ids_in(chunk)
            )
            returned |= sync.fetch_and_store(clause, issue_ids=chunk)
    finally:
        sync.client.close()
    fetched.stored = len(sync.changed_issue_ids)
    fetched.missing = [i for i in ids if i not in returned]
    if sync.changed_issue_ids:
        queue_scoring(sync.changed_issue_ids)
    return fetched
