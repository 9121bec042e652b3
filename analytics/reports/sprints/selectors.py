"""The started sprints in scope, and their issues' placements: a query for each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from analytics.reports.selectors import report_issues
from analytics.reports.sprints.filters import SprintFilters
from analytics.reports.sprints.placement import placements
from integrations.models import Issue, JiraBoard, Sprint

STARTED = (Sprint.State.ACTIVE, Sprint.State.CLOSED)


@dataclass(frozen=True)
class SprintWindow:
    """A started sprint: from its start to its close (now, while it is active)."""

    start: datetime
    close: datetime
    closed: bool


def window_of(sprint: Sprint, *, now: datetime | None = None) -> SprintWindow | None:
    """The sprint's start and close, as its page shows them; None if it hasn't started."""
    if sprint.start_at is None or sprint.state not in STARTED:
        return None
    if sprint.state == Sprint.State.CLOSED:
        close = sprint.closes_at
        if close is None:
            return None
        return SprintWindow(start=sprint.start_at, close=max(close, sprint.start_at), closed=True)
    return SprintWindow(
        start=sprint.start_at, close=max(now or timezone.now(), sprint.start_at), closed=False
    )


def started_sprints(filters: SprintFilters) -> QuerySet[Sprint]:
    """Sprints that started and overlap the period, oldest first, in the site and board
    filters. A closed sprint without a completion or end date can't be placed in time."""
    period = filters.period
    ended_in_period = Q(completed_at__gte=period.start) | Q(
        completed_at__isnull=True, end_at__gte=period.start
    )
    sprints = Sprint.objects.filter(
        workspace=filters.workspace,
        state__in=STARTED,
        start_at__isnull=False,
        start_at__lt=period.end,
    ).filter(Q(state=Sprint.State.ACTIVE) | ended_in_period)
    if filters.report.connection_ids:
        sprints = sprints.filter(connection_id__in=filters.report.connection_ids)
    if filters.boards:
        boards = Q()
        for connection_id, board_id in filters.boards:
            boards |= Q(connection_id=connection_id, board_id=board_id)
        sprints = sprints.filter(boards)
    # Each sprint's board as Jira names it (blank when the sync couldn't read it).
    board_names = JiraBoard.objects.filter(
        connection_id=OuterRef("connection_id"), jira_id=OuterRef("board_id")
    ).values("name")[:1]
    return (
        sprints.select_related("connection")
        .annotate(board_name=Subquery(board_names))
        .order_by("start_at", "pk")
    )


def counted_issues(filters: SprintFilters) -> QuerySet[Issue]:
    """The issues sprints count: those of the report filters, epics left out."""
    return report_issues(filters.report).filter(hierarchy_level__lt=1)


def sprint_placements(filters: SprintFilters, sprint_ids: list[int], *, now: datetime) -> QuerySet:
    """The counted issues of these sprints, placed (``placement.placements``)."""
    return placements(counted_issues(filters), sprint_ids, now=now)
