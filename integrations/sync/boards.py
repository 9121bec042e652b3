"""Name the boards sprints belong to, from Jira Software's Agile API.

Issues' Sprint fields give a board's id only, so after storing sprints the sync asks
``GET /rest/agile/1.0/board/{id}`` once for each board it has no row for. A board Jira
won't name (gone: 404; or the connection may not read boards: 401/403, as OAuth apps
without the board scope) gets a row without a name, so it isn't asked for at every
sync; unnamed rows are asked for again after :data:`RECHECK_UNNAMED`. Reports then
say "Board 2". Board names never fail a sync.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from integrations.jira.client import JiraClient
from integrations.jira.errors import (
    JiraAuthError,
    JiraError,
    JiraForbiddenError,
    JiraNotFoundError,
)
from integrations.models import JiraBoard, JiraConnection, Sprint
from pensero.bulk import upsert_rows

logger = logging.getLogger(__name__)

RECHECK_UNNAMED = timedelta(days=7)
# Boards asked for in one sync: Sprint fields come from Jira and could name thousands.
BOARDS_PER_SYNC = 50
BOARDS_AT_ONCE = 8
NAME_LIMIT = 255
REFUSED_WARNING = (
    "Jira didn't let this connection read board names (Jira Software's board API), so "
    "the Sprints report names boards by their id."
)


def _name(board: dict) -> str:
    name = board.get("name")
    return " ".join(name.split())[:NAME_LIMIT] if isinstance(name, str) else ""


def _answers(client: JiraClient, board_ids: list[int]) -> Iterator[tuple[int, object]]:
    """``(board id, its JSON or the JiraError it raised)`` for ``board_ids`` in order: the
    first alone (a connection that may not read boards is refused once, not once per
    board of a batch), then BOARDS_AT_ONCE at a time, a batch when the previous one has
    been read. Any other error (the sync stopped) is raised."""

    def ask(board_id: int) -> object:
        try:
            return client.board(board_id)
        except JiraError as error:
            return error

    with ThreadPoolExecutor(max_workers=BOARDS_AT_ONCE, thread_name_prefix="jira-boards") as pool:
        batches = [board_ids[:1]] + [
            board_ids[start : start + BOARDS_AT_ONCE]
            for start in range(1, len(board_ids), BOARDS_AT_ONCE)
        ]
        for batch in batches:
            yield from zip(batch, list(pool.map(ask, batch)), strict=True)


def boards_to_name(connection: JiraConnection, now) -> list[int]:
    """Board ids of the connection's sprints that have no row, or an unnamed one not
    asked for lately; at most :data:`BOARDS_PER_SYNC` of them."""
    used = set(
        Sprint.objects.filter(connection=connection, board_id__isnull=False)
        .values_list("board_id", flat=True)
        .distinct()
    )
    settled = set(
        JiraBoard.objects.filter(connection=connection)
        .filter(~Q(name="") | Q(checked_at__gt=now - RECHECK_UNNAMED))
        .values_list("jira_id", flat=True)
    )
    return sorted(used - settled)[:BOARDS_PER_SYNC]


def name_boards(client: JiraClient, connection: JiraConnection) -> str:
    """Ask Jira for the boards :func:`boards_to_name` lists and store their names.

    Returns a warning for the run ("" for none): only when Jira refuses a board that
    had no row yet, so a connection that may not read boards is told once.
    """
    now = timezone.now()
    wanted = boards_to_name(connection, now)
    if not wanted:
        return ""
    names: dict[int, str] = {}
    refused = False
    # Asked for several at a time (a first sync may name 50 boards: one after the other,
    # 10 s at 200 ms a request), the answers read in order as if asked one by one.
    with contextlib.closing(_answers(client, wanted)) as answers:
        for board_id, answer in answers:
            if isinstance(answer, (JiraAuthError, JiraForbiddenError)):
                logger.info("Boards of connection %s can't be read: %s", connection.pk, answer)
                refused = True
                break
            if isinstance(answer, JiraError) and not isinstance(answer, JiraNotFoundError):
                # Jira is busy or down: the names can wait for the next sync.
                logger.warning("Boards of connection %s not named: %s", connection.pk, answer)
                break
            names[board_id] = "" if isinstance(answer, JiraError) else _name(answer)
    if refused:  # one refusal stands for every board of the connection
        names |= {board_id: "" for board_id in wanted if board_id not in names}
    known = set(
        JiraBoard.objects.filter(connection=connection, jira_id__in=names).values_list(
            "jira_id", flat=True
        )
    )
    upsert_rows(
        JiraBoard,
        [
            {"connection_id": connection.pk, "jira_id": board_id, "name": name, "checked_at": now}
            for board_id, name in names.items()
        ],
        unique=["connection_id", "jira_id"],
    )
    first_refusal = refused and any(b not in known and not n for b, n in names.items())
    return REFUSED_WARNING if first_refusal else ""
