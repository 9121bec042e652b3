"""What the report queries share: the issues in scope, periods and buckets.

The queries themselves are in ``summary`` (headline numbers), ``flow`` (throughput
and cycle times) and ``people`` (contributors and teams). Each aggregates in SQL:
one query whatever the number of issues. Percentiles are part of the queries on
PostgreSQL; on SQLite the selectors read them from ``percentiles.Durations`` (one list query).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from analytics.models import TeamMember
from analytics.reports.filters import Period, ReportFilters
from integrations.models import Issue

DAY = timedelta(days=1)
CYCLE_BUCKETS = (
    ("< 1 day", None, DAY),
    ("1–3 days", DAY, 3 * DAY),
    ("3–7 days", 3 * DAY, 7 * DAY),
    ("1–2 weeks", 7 * DAY, 14 * DAY),
    ("2–4 weeks", 14 * DAY, 28 * DAY),
    ("> 4 weeks", 28 * DAY, None),
)
SCORE_BUCKETS = (("0–20", 0, 20), ("20–40", 20, 40), ("40–60", 40, 60), ("60–80", 60, 80))
SCORE_TOP_BUCKET = ("80–100", 80)
SCORE_LABELS = [label for label, _low, _high in SCORE_BUCKETS] + [SCORE_TOP_BUCKET[0]]


def completed_in(period: Period) -> Q:
    """Issues completed in the period, delivered or closed as not delivered."""
    return Q(done_at__gte=period.start, done_at__lt=period.end)


def delivered_in(period: Period) -> Q:
    """Issues delivered in the period: completed, with a resolution that counts as delivered."""
    return Q(delivered=True) & completed_in(period)


def with_cycle_time() -> Q:
    """Delivered issues whose start is known and not after their completion."""
    return Q(started_at__isnull=False, started_at__lte=F("done_at"))


def with_lead_time() -> Q:
    return Q(created_at__lte=F("done_at"))


# Which period a completed issue belongs to, and whether it was delivered.
CURRENT, PREVIOUS, CLOSED_CURRENT, CLOSED_PREVIOUS, OTHER = 0, 1, 2, 3, 4


def which_period(filters: ReportFilters) -> Case:
    """CURRENT or PREVIOUS (the period of the same length before) for delivered issues,
    CLOSED_CURRENT or CLOSED_PREVIOUS for those closed as not delivered, else OTHER."""
    period, previous = filters.period, filters.period.previous()
    return Case(
        When(delivered_in(period), then=Value(CURRENT)),
        When(delivered_in(previous), then=Value(PREVIOUS)),
        When(completed_in(period), then=Value(CLOSED_CURRENT)),
        When(completed_in(previous), then=Value(CLOSED_PREVIOUS)),
        default=Value(OTHER),
        output_field=IntegerField(),
    )


def team_person_ids(team_id: int) -> QuerySet:
    return TeamMember.objects.filter(team_id=team_id).values("person_id")


def report_issues(filters: ReportFilters) -> QuerySet[Issue]:
    """The workspace's visible issues within the site, project and team filters."""
    issues = Issue.objects.filter(workspace=filters.workspace, removed_at__isnull=True)
    if filters.connection_ids:
        issues = issues.filter(connection_id__in=filters.connection_ids)
    if filters.project_keys:
        issues = issues.filter(project_key__in=filters.project_keys)
    if filters.team_id:
        # A subquery, not a join: an issue counts once whatever teams its person is in.
        # Done work belongs to whoever completed it; work in progress to its assignee.
        members = team_person_ids(filters.team_id)
        issues = issues.filter(
            Q(completed_by__person_id__in=members)
            | Q(done_at__isnull=True, assignee__person_id__in=members)
        )
    return issues.order_by()


def delivered_issues(
    filters: ReportFilters, *, person_id: int | None = None, team_id: int | None = None
) -> QuerySet[Issue]:
    """The issues behind a contributor's or a team's numbers, newest first."""
    issues = report_issues(filters).filter(delivered_in(filters.period))
    if person_id is not None:
        issues = issues.filter(completed_by__person_id=person_id)
    if team_id is not None:
        issues = issues.filter(completed_by__person_id__in=team_person_ids(team_id))
    return (
        issues.select_related("connection", "score", "assignee")
        .only(
            "id",
            "key",
            "summary",
            "issue_type",
            "project_key",
            "created_at",
            "started_at",
            "done_at",
            "pull_request_count",
            "document_count",
            "comment_count",
            "connection__subdomain",
            "score__score",
            "assignee__display_name",
        )
        .order_by("-done_at", "-id")
    )
