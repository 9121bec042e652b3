"""The started sprints in scope and their issues' stays and delivery facts: two queries."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from analytics.selectors import report_issues
from analytics.sprints.filters import SprintFilters
from analytics.sprints.numbers import SprintIssue, SprintWindow, Stay
from integrations.models import Issue, Sprint, SprintMembership

STARTED = (Sprint.State.ACTIVE, Sprint.State.CLOSED)


def window_of(sprint: Sprint, *, now: datetime | None = None) -> SprintWindow | None:
    """The sprint's start and close (now while active); None if it hasn't started."""
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
    filters."""
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
    return sprints.select_related("connection").order_by("start_at", "pk")


def counted_issues(filters: SprintFilters) -> QuerySet[Issue]:
    """The issues sprints count: those of the report filters, epics left out."""
    return report_issues(filters.report).filter(hierarchy_level__lt=1)


def sprint_issues(filters: SprintFilters, sprint_ids: list[int]) -> dict[int, list[SprintIssue]]:
    """Per sprint row id, its counted issues with their stays in it. One query."""
    if not sprint_ids:
        return {}
    rows = (
        SprintMembership.objects.filter(
            sprint_id__in=sprint_ids, issue__in=counted_issues(filters).values("pk")
        )
        .values_list(
            "sprint_id",
            "issue_id",
            "joined_at",
            "left_at",
            "issue__done_at",
            "issue__delivered",
            "issue__story_points",
        )
        .order_by()
    )
    stays: dict[tuple[int, int], list[Stay]] = defaultdict(list)
    facts: dict[int, tuple] = {}
    for sprint_id, issue_id, joined, left, done, delivered, points in rows:
        stays[sprint_id, issue_id].append(Stay(joined, left))
        facts[issue_id] = (done, delivered, points)
    issues: dict[int, list[SprintIssue]] = defaultdict(list)
    for (sprint_id, issue_id), issue_stays in stays.items():
        done, delivered, points = facts[issue_id]
        issue_stays.sort(key=lambda stay: stay.joined)
        issues[sprint_id].append(
            SprintIssue(
                issue_id=issue_id,
                stays=tuple(issue_stays),
                completed_at=done,
                delivered=delivered,
                story_points=points,
            )
        )
    return issues
