"""A site's shape: its custom fields, resolutions and statuses, read once per sync.

A sync reads them first (three requests, side by side) and keeps them: the field ids and resolutions
on the connection, the statuses (only finishing an issue needs them) in the cache. A
webhook batch takes the shape the last sync kept and asks Jira only for its issues; the
statuses are read again only when the cache lost them (another process with the
in-memory cache, an evicted entry), and kept again.
"""

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache

from integrations.delivery import not_delivered_resolutions
from integrations.jira.client import JiraClient
from integrations.jira.errors import JiraError
from integrations.jira.fields import DEVELOPMENT_FIELD_NAMES, estimation_fields, find_field_id
from integrations.jira.sprints import find_sprint_field
from integrations.jira.workflow import StatusCatalog
from integrations.models import JiraConnection
from integrations.sync.finish import Workflow

logger = logging.getLogger(__name__)

# Longer than the time between scheduled syncs, which read the statuses again.
STATUSES_KEPT = timedelta(days=2)


@dataclass(frozen=True)
class SiteShape:
    estimation_fields: list[dict]  # [{"id", "name"}] in the order values are read
    development_field: str
    sprint_field: str
    # [{"id", "name"}]; None when Jira wouldn't list them (the stored list is kept).
    resolutions: list[dict] | None
    statuses: list[dict]  # {"id", "name", "statusCategory": {"key"}}

    def apply_to(self, connection: JiraConnection) -> Workflow:
        """Set the connection's copy (a sync saves it when it succeeds); return the rules
        issues are finished with: this shape's, and the workspace's resolutions."""
        connection.estimation_fields = self.estimation_fields
        connection.development_field = self.development_field
        connection.sprint_field = self.sprint_field
        if self.resolutions is not None:
            connection.resolutions = self.resolutions
        return Workflow(
            catalog=StatusCatalog(self.statuses),
            not_delivered=not_delivered_resolutions(connection.workspace_id),
            sprint_field=connection.sprint_field,
            # The admin's choice of points field is the connection's, not the site's.
            estimation_fields=connection.estimation_fields_read,
        )


def read_site_shape(client: JiraClient, connection: JiraConnection) -> SiteShape:
    """Ask Jira for the site's fields, resolutions and statuses; keep the statuses.

    The three requests go side by side: each waits a round trip, and nothing else of the
    sync can start before they are in.
    """
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="jira-site-shape") as pool:
        asked_fields = pool.submit(client.fields)
        asked_resolutions = pool.submit(client.resolutions)
        asked_statuses = pool.submit(client.statuses)
        fields = asked_fields.result()
        try:
            resolutions = [
                {"id": str(r.get("id", ""))[:32], "name": str(r.get("name", ""))[:255]}
                for r in asked_resolutions.result()
                if isinstance(r, dict) and r.get("name")
            ]
        except JiraError as error:
            # Only the settings page's list of choices needs them; the sync goes on.
            if not error.permanent:
                raise
            resolutions = None
        statuses = _compact(asked_statuses.result())
    _keep_statuses(connection, statuses)
    return SiteShape(
        estimation_fields=[{"id": f.id, "name": f.name[:255]} for f in estimation_fields(fields)],
        development_field=find_field_id(fields, DEVELOPMENT_FIELD_NAMES) or "",
        sprint_field=find_sprint_field(fields),
        resolutions=resolutions,
        statuses=statuses,
    )


def kept_site_shape(client: JiraClient, connection: JiraConnection) -> SiteShape:
    """The shape the last sync kept; the statuses are asked of Jira only if the cache lost them."""
    statuses = _kept_statuses(connection)
    if statuses is None:
        statuses = _compact(client.statuses())
        _keep_statuses(connection, statuses)
    return SiteShape(
        estimation_fields=list(connection.estimation_fields or []),
        development_field=connection.development_field,
        sprint_field=connection.sprint_field,
        resolutions=list(connection.resolutions or []),
        statuses=statuses,
    )


def _compact(statuses: list) -> list[dict]:
    """What StatusCatalog reads of each status, and nothing else (kept in the cache)."""
    kept = []
    for status in statuses:
        if not isinstance(status, dict):
            continue
        category = status.get("statusCategory")
        kept.append(
            {
                "id": status.get("id"),
                "name": status.get("name"),
                "statusCategory": {"key": category.get("key")}
                if isinstance(category, dict)
                else None,
            }
        )
    return kept


def _cache_key(connection: JiraConnection) -> str:
    # The creation time too: a database may hand a deleted connection's id to a new one.
    made = connection.created_at.timestamp() if connection.created_at else 0
    return f"jira-site-statuses:{connection.pk}:{made:.6f}"


def _kept_statuses(connection: JiraConnection) -> list[dict] | None:
    try:
        statuses = cache.get(_cache_key(connection))
    except Exception:  # noqa: BLE001 - the cache only saves requests; Jira still answers
        logger.warning("Statuses of connection %s not read from the cache", connection.pk)
        return None
    return statuses if isinstance(statuses, list) else None


def _keep_statuses(connection: JiraConnection, statuses: list[dict]) -> None:
    try:
        cache.set(_cache_key(connection), statuses, timeout=STATUSES_KEPT.total_seconds())
    except Exception:  # noqa: BLE001 - the cache only saves requests
        logger.warning("Statuses of connection %s not kept in the cache", connection.pk)
