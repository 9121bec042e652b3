"""Store sprints and sprint memberships, and keep the open sprints' state current.

Sprints are their own rows per connection, written from what issues' Sprint fields show.
A sprint only moves forward (future → active → closed), so a page read a moment before a
sprint closed never turns a stored closed sprint back into an active one. Jira changes no
issue when a sprint starts or closes with all its work done, so each sync also reads one
issue of every sprint still stored as future or active (``refresh_open_sprints``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from integrations.jira.client import JiraClient
from integrations.jira.errors import JiraError
from integrations.jira.jql import ids_in
from integrations.jira.sprints import SprintInfo, parse_sprint_field
from integrations.models import JiraConnection, Sprint, SprintMembership
from integrations.sync.mapping import IssueRecord
from pensero.bulk import delete_rows, insert_rows, upsert_rows

logger = logging.getLogger(__name__)

STATE_ORDER = {"": -1, "future": 0, "active": 1, "closed": 2}
# JQL `id in (...)` lists at most this many issues in one search.
IDS_PER_SEARCH = 50


def _newest(sprints: Iterable[SprintInfo]) -> dict[int, SprintInfo]:
    """Each sprint once: the sighting furthest along (the last one among equals)."""
    best: dict[int, SprintInfo] = {}
    for sprint in sprints:
        known = best.get(sprint.id)
        if known is None or STATE_ORDER[sprint.state] >= STATE_ORDER[known.state]:
            best[sprint.id] = sprint
    return best


# What a sighting of a sprint says of it: Sprint's attribute → SprintInfo's.
_DETAILS = {
    "name": "name",
    "state": "state",
    "board_id": "board_id",
    "goal": "goal",
    "start_at": "start",
    "end_at": "end",
    "completed_at": "completed",
}


def _details(sprint: SprintInfo) -> tuple:
    """The sighting's values, in `_DETAILS`'s order (that of the stored row's values)."""
    return tuple(getattr(sprint, name) for name in _DETAILS.values())


def _moves_forward(sprint: SprintInfo, stored: tuple) -> bool:
    """Whether a sighting should be written over the stored row: it says something new,
    and the sprint is no further back (see the module doc)."""
    stored_state = stored[list(_DETAILS).index("state")]
    return (
        STATE_ORDER[sprint.state] >= STATE_ORDER.get(stored_state, -1)
        and _details(sprint) != stored
    )


def save_sprints(
    connection: JiraConnection, sprints: Iterable[SprintInfo], *, also: Iterable[int] = ()
) -> dict[int, int]:
    """Upsert what issues showed of their sprints; sprint ids known only from changelogs
    (``also``) get a row named after their id. Returns Jira sprint id → row id.

    Every page of a sync shows the same few sprints: a row that would not change is not
    written again.
    """
    seen = _newest(sprints)
    wanted = set(seen) | set(also)
    if not wanted:
        return {}
    stored = {
        jira_id: (pk, tuple(details))
        for jira_id, pk, *details in Sprint.objects.filter(
            connection=connection, jira_id__in=wanted
        ).values_list("jira_id", "pk", *_DETAILS)
    }
    pks = {jira_id: pk for jira_id, (pk, _) in stored.items()}
    now = timezone.now()
    rows = [
        {
            "workspace_id": connection.workspace_id,
            "connection_id": connection.pk,
            "jira_id": sprint.id,
            **dict(zip(_DETAILS, _details(sprint), strict=True)),
            "synced_at": now,
        }
        for sprint in seen.values()
        if sprint.id not in stored or _moves_forward(sprint, stored[sprint.id][1])
    ]
    upserted = upsert_rows(Sprint, rows, unique=["connection_id", "jira_id"], return_pks=True)
    pks.update({jira_id: pk for (_, jira_id), pk in upserted.items()})
    unknown = [jira_id for jira_id in wanted if jira_id not in pks]
    if unknown:
        Sprint.objects.bulk_create(
            [
                Sprint(
                    workspace_id=connection.workspace_id,
                    connection=connection,
                    jira_id=jira_id,
                    name=f"Sprint {jira_id}",
                )
                for jira_id in unknown
            ],
            ignore_conflicts=True,
        )
        pks.update(
            Sprint.objects.filter(connection=connection, jira_id__in=unknown).values_list(
                "jira_id", "pk"
            )
        )
    return pks


def store_sprints(
    connection: JiraConnection, records: list[IssueRecord], issue_pks: dict[int, int]
) -> None:
    """Write the sprints a page's issues show and replace those issues' memberships.

    Runs inside the writer's transaction; ``issue_pks`` maps Jira issue ids to row ids.
    Issues whose Sprint field wasn't read keep the memberships stored before.
    """
    records = [record for record in records if record.sprint_stays is not None]
    sprint_pks = save_sprints(
        connection,
        (sprint for record in records for sprint in record.sprints or ()),
        also={stay.sprint_id for record in records for stay in record.sprint_stays},
    )
    delete_rows(SprintMembership, "issue_id", [issue_pks[record.jira_id] for record in records])
    insert_rows(
        SprintMembership,
        [
            {
                "sprint_id": sprint_pks[stay.sprint_id],
                "issue_id": issue_pks[record.jira_id],
                "joined_at": stay.joined_at,
                "left_at": stay.left_at,
            }
            for record in records
            for stay in record.sprint_stays
        ],
    )


def refresh_open_sprints(client: JiraClient, connection: JiraConnection) -> int:
    """Read the Sprint field of one issue of each future or active sprint, so a sprint
    that started or closed without changing any issue is seen. Returns how many sprints
    were read. A refused search is logged and skipped: the next sync tries again."""
    return refresh_sprints(
        client, connection, states=[Sprint.State.FUTURE, Sprint.State.ACTIVE], jira_ids=None
    )


def refresh_sprints(
    client: JiraClient,
    connection: JiraConnection,
    *,
    states: list[str] | None = None,
    jira_ids: Iterable[int] | None = None,
) -> int:
    """Read the Sprint field of one issue of each stored sprint in ``states`` (any state:
    None) and of ``jira_ids`` (every sprint: None): how a sprint webhook event or the sync
    learns a sprint's dates and state. Returns how many sprints were read."""
    if not connection.sprint_field:
        return 0
    members = SprintMembership.objects.filter(
        sprint__connection=connection,
        left_at__isnull=True,
        issue__removed_at__isnull=True,
    )
    if states is not None:
        members = members.filter(sprint__state__in=states)
    if jira_ids is not None:
        members = members.filter(sprint__jira_id__in=list(jira_ids))
    members = members.order_by("sprint_id", "-issue__updated_at").values_list(
        "sprint_id", "issue__jira_id"
    )
    one_per_sprint = list(dict(reversed(list(members))).values())
    read = 0
    for start in range(0, len(one_per_sprint), IDS_PER_SEARCH):
        ids = one_per_sprint[start : start + IDS_PER_SEARCH]
        try:
            page = client.search_jql(
                jql=ids_in(ids),
                fields=[connection.sprint_field],
                max_results=len(ids),
            )
        except JiraError as error:
            if not error.permanent:
                raise
            logger.warning("Open sprints of connection %s not refreshed: %s", connection.pk, error)
            continue
        sprints = [
            sprint
            for issue in page.get("issues") or []
            if isinstance(issue, dict) and isinstance(issue.get("fields"), dict)
            for sprint in parse_sprint_field(issue["fields"].get(connection.sprint_field))
        ]
        with transaction.atomic():
            read += len(save_sprints(connection, sprints))
    return read
