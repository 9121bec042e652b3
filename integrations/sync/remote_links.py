"""When to ask Jira for an issue's remote links, and keeping them when not asked.

Remote links cost one request per issue (`GET /issue/{id}/remotelink`, no bulk form).
Jira records every added remote link in the issue's changelog as a `RemoteIssueLink`
item (fact sheet section 10), so an issue whose complete changelog shows none since the
last sync has the links it had then: they are kept from the database instead of asked
again. Links some apps make without that record are caught by a periodic check that
reads every issue's links (`LINK_CHECK_EVERY`, or `sync_jira --full --verify-links`).
"""

from datetime import datetime, timedelta

from integrations.jira.fields import parse_jira_datetime
from integrations.models import IssueDocument, JiraConnection, PullRequest
from integrations.sync.mapping import IssueRecord, LinkRecord

LINK_CHECK_EVERY = timedelta(days=7)
REMOTE_LINK_FIELD = "RemoteIssueLink"


def link_check_due(connection: JiraConnection, now: datetime) -> bool:
    """Whether this run reads every issue's remote links (never on a first sync)."""
    checked = connection.remote_links_checked_at
    return connection.sync_watermark is not None and (
        checked is None or now - checked >= LINK_CHECK_EVERY
    )


def changelog_touches_links(histories: list[dict], since: datetime | None) -> bool:
    """Whether a history at or after `since` (any, when None) adds or removes a remote link."""
    for history in histories:
        items = history.get("items")
        if not isinstance(items, list) or not any(
            isinstance(item, dict) and item.get("field") == REMOTE_LINK_FIELD for item in items
        ):
            continue
        if since is None:
            return True
        at = parse_jira_datetime(history.get("created"))
        if at is None or at >= since:
            return True
    return False


def keep_stored_remote_links(connection: JiraConnection, records: list[IssueRecord]) -> None:
    """Put the stored remote-link documents and pull requests back into `records`.

    For issues whose links were not asked this run; the same precedence as
    mapping.collect_links: a dev-status pull request over a remote link over a link
    found in the description.
    """
    if not records:
        return
    by_id = {record.jira_id: record for record in records}
    stored_docs = IssueDocument.objects.filter(
        issue__connection=connection,
        issue__jira_id__in=by_id,
        source=IssueDocument.Source.REMOTE_LINK,
    ).values_list("issue__jira_id", "url", "title", "kind", "application")
    for jira_id, url, title, kind, application in stored_docs:
        record = by_id[jira_id]
        record.documents = [d for d in record.documents if d.url != url] + [
            LinkRecord(
                url=url, title=title, kind=kind, application=application, source="remote_link"
            )
        ]
    stored_pulls = PullRequest.objects.filter(
        issue__connection=connection,
        issue__jira_id__in=by_id,
        source=PullRequest.Source.REMOTE_LINK,
    ).values_list("issue__jira_id", "url", "title", "repository")
    for jira_id, url, title, repository in stored_pulls:
        record = by_id[jira_id]
        if any(p.url == url and p.source == "dev_status" for p in record.pull_requests):
            continue
        record.pull_requests = [p for p in record.pull_requests if p.url != url] + [
            LinkRecord(url=url, title=title, repository=repository, source="remote_link")
        ]
