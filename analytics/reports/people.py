"""Numbers per contributor and per team.

Work is credited to the ``Person`` who was the issue's assignee when it was completed
(the same email on several Jira sites is one person). Each delivered issue has one
such assignee or none, so it is in exactly one person row, and a team (a set of
people) counts each issue once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from analytics.reports.aggregates import PercentileCont, cycle_seconds, percentiles_in_sql
from analytics.reports.filters import ReportFilters
from analytics.reports.percentiles import Durations, durations_for
from analytics.reports.selectors import (
    delivered_in,
    report_issues,
    team_person_ids,
    with_cycle_time,
)
from analytics.reports.summary import DeliveryRates
from analytics.teams.selectors import TeamMembers
from integrations.jira.fields import BOT_ACCOUNT_TYPES
from integrations.models import Comment


@dataclass
class GroupRow(DeliveryRates):
    """The numbers of one contributor or one team over the period."""

    id: int | None
    name: str
    email: str = ""
    delivered: int = 0
    points: int = 0
    scored: int = 0
    pull_requests: int = 0
    with_pull_requests: int = 0
    with_documents: int = 0
    comments: int = 0
    cycle_median: float | None = None  # seconds; contributors only
    people: int = 0  # teams only


SUMMED = ("delivered", "points", "scored", "pull_requests", "with_pull_requests", "with_documents")
PERSON = "completed_by__person__id"


def _person_aggregates() -> dict:
    aggregates = {
        "delivered": Count("id"),
        "points": Sum("score__score"),
        "scored": Count("score__score"),
        "pull_requests": Sum("pull_request_count"),
        "with_pull_requests": Count("id", filter=Q(pull_request_count__gt=0)),
        "with_documents": Count("id", filter=Q(document_count__gt=0)),
    }
    if percentiles_in_sql():
        aggregates["cycle_median"] = PercentileCont(cycle_seconds(), 0.5, filter=with_cycle_time())
    return aggregates


def _person_name(display_name: str | None, email: str | None, person_id) -> str:
    if person_id is None:
        return "Unassigned"
    return display_name or email or f"Person {person_id}"


def delivered_by_person(
    filters: ReportFilters, *, person_id: int | None = None
) -> dict[int | None, GroupRow]:
    """Delivered work of the period per person (None: unassigned issues). One query."""
    issues = report_issues(filters).filter(delivered_in(filters.period))
    if person_id is not None:
        issues = issues.filter(completed_by__person_id=person_id)
    aggregates = _person_aggregates()
    grouped = issues.values(
        PERSON, "completed_by__person__display_name", "completed_by__person__email"
    ).annotate(**aggregates)
    rows: dict[int | None, GroupRow] = {}
    for values in grouped:
        pk = values[PERSON]
        name = _person_name(
            values["completed_by__person__display_name"], values["completed_by__person__email"], pk
        )
        row = rows[pk] = GroupRow(pk, name, email=values["completed_by__person__email"] or "")
        for name in aggregates:
            if values[name] is not None:
                setattr(row, name, values[name])
    return rows


def comments_written(filters: ReportFilters, *, person_id: int | None = None) -> QuerySet:
    """Comments the people of the workspace wrote in the period, grouped by person.

    Scoped through the author's Jira account, whose site is the issue's site, so no
    issue row is read unless projects are filtered: that join was most of the page's
    time on 100,000 issues. Comments on issues since removed from Jira still count.
    Comments of integrations and service-desk customers don't: they are not people
    of the team.
    """
    comments = Comment.objects.filter(
        author__person__workspace=filters.workspace,
        created_at__gte=filters.period.start,
        created_at__lt=filters.period.end,
    ).exclude(author__account_type__in=BOT_ACCOUNT_TYPES)
    if filters.connection_ids:
        comments = comments.filter(author__connection_id__in=filters.connection_ids)
    if filters.project_keys:
        comments = comments.filter(issue__project_key__in=filters.project_keys)
    if filters.team_id:
        comments = comments.filter(author__person_id__in=team_person_ids(filters.team_id))
    if person_id is not None:
        comments = comments.filter(author__person_id=person_id)
    return (
        comments.values(
            "author__person__id", "author__person__display_name", "author__person__email"
        )
        .annotate(n=Count("id"))
        .order_by()
    )


def contributor_rows(
    filters: ReportFilters, *, person_id: int | None = None, durations: Durations | None = None
) -> list[GroupRow]:
    """Per person: delivered work, median cycle time and comments written. Two queries (a
    third on SQLite for the medians, unless ``durations`` has them)."""
    rows = delivered_by_person(filters, person_id=person_id)
    if Durations.needed():
        medians = durations_for(filters, durations, filters.period.start).cycle_median_by_person()
        for pk, row in rows.items():
            row.cycle_median = medians.get(pk)
    for values in comments_written(filters, person_id=person_id):
        pk = values["author__person__id"]
        if pk not in rows:
            name = _person_name(
                values["author__person__display_name"], values["author__person__email"], pk
            )
            rows[pk] = GroupRow(pk, name)
        rows[pk].comments = values["n"]
        rows[pk].email = values["author__person__email"] or ""
    return _disambiguated(list(rows.values()))


def _disambiguated(rows: list[GroupRow]) -> list[GroupRow]:
    """Two people with the same display name get their email (or number) beside it."""
    seen: dict[str, int] = {}
    for row in rows:
        seen[row.name] = seen.get(row.name, 0) + 1
    for row in rows:
        if row.id is not None and seen[row.name] > 1:
            row.name = f"{row.name} ({row.email or f'#{row.id}'})"
    return rows


def team_rows(
    contributors: list[GroupRow], teams: Iterable[TeamMembers], *, team_id: int | None = None
) -> list[GroupRow]:
    """Per team (only ``team_id``'s when given), the sums of its people's contributor rows.

    No query: the teams come with their people (``teams_with_members``).
    """
    by_person = {row.id: row for row in contributors if row.id is not None}
    rows = []
    for team in teams:
        if team_id is not None and team.id != team_id:
            continue
        row = GroupRow(team.id, team.name, people=len(team.person_ids))
        for person_id in team.person_ids:
            person = by_person.get(person_id)
            if person is not None:
                for name in (*SUMMED, "comments"):
                    setattr(row, name, getattr(row, name) + getattr(person, name))
        rows.append(row)
    return rows
