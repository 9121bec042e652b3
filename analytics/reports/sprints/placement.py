"""The sprint rules of ``analytics.reports.sprints.numbers``, as SQL: one query places every issue
of every sprint in scope, and one more sums the placements per sprint.

A stretch of time an issue spent in a sprint (a ``SprintMembership``, a *stay*) covers a
moment when it joined at or before it and left after it (or never left). An issue's
stays in one sprint never overlap, so at most one covers any moment.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import Exact

from analytics.reports.sprints.numbers import (
    CARRIED_OVER,
    COMPLETED,
    COMPLETED_OUTSIDE,
    NOT_DELIVERED,
    OUT,
    STILL_OPEN,
    Placement,
    SprintNumbers,
)
from integrations.models import EstimateChange, Issue, Sprint

# Issues are read with their stays: the stay's fields, and its sprint's, through this.
STAY = "sprint_memberships__"


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _covers(moment) -> Q:
    return Q(**{f"{STAY}joined_at__lte": moment}) & (
        Q(**{f"{STAY}left_at__isnull": True}) | Q(**{f"{STAY}left_at__gt": moment})
    )


def _between(name: str, start, close) -> Q:
    """The stay's ``name`` moment is after the start and at or before the close."""
    return Q(**{f"{STAY}{name}__gt": start, f"{STAY}{name}__lte": close})


def close_of_sprint(now: datetime, ref=F):
    """When the stay's sprint closed (``Sprint.closes_at``), or ``now`` while it is
    active; never before its start. ``ref`` OuterRef: the same, in a subquery."""
    closed_at = Coalesce(ref(f"{STAY}sprint__completed_at"), ref(f"{STAY}sprint__end_at"))
    close = Case(
        When(Exact(ref(f"{STAY}sprint__state"), Value(Sprint.State.CLOSED)), then=closed_at),
        default=Value(now, output_field=DateTimeField()),
        output_field=DateTimeField(),
    )
    return Greatest(close, ref(f"{STAY}sprint__start_at"), output_field=DateTimeField())


def points_at(moment) -> Case:
    """The issue's story points at ``moment`` (an expression of the outer query's row),
    from its stored estimate changes: after the last change at or before it, else before
    the first change, else the points now. None: no estimate."""
    changes = EstimateChange.objects.filter(issue_id=OuterRef("pk")).order_by()
    by_then = changes.filter(at__lte=moment)
    from_changes = Case(
        When(
            Exists(by_then), then=Subquery(by_then.order_by("-at", "-pk").values("to_points")[:1])
        ),
        default=Subquery(changes.order_by("at", "pk").values("from_points")[:1]),
        output_field=FloatField(),
    )
    # Most issues were never re-estimated: one look-up in the set of those that were (the
    # database hashes it once per query) spares them the per-row searches of changes.
    reestimated = EstimateChange.objects.order_by().values("issue_id")
    return Case(
        When(pk__in=reestimated, then=from_changes),
        default=F("story_points"),
        output_field=FloatField(),
    )


def _overlaps(start, close) -> Q:
    """The stay is in the sprint at some moment from the start to the close."""
    return Q(**{f"{STAY}joined_at__lte": close}) & (
        Q(**{f"{STAY}left_at__isnull": True}) | Q(**{f"{STAY}left_at__gt": start})
    )


def placements(
    issues: QuerySet[Issue], sprint_ids: list[int], *, now: datetime, until: datetime | None = None
) -> QuerySet:
    """One row per sprint (of ``sprint_ids``, started ones) and issue of ``issues``:
    ``sprint_id``, ``issue_id``, ``committed``, ``added``, ``removed`` (0 or 1), ``outcome``
    (OUT, COMPLETED..., COMPLETED_OUTSIDE), ``start_points`` and ``close_points`` (its
    story points when the sprint started and when it closed; None without an estimate).

    With ``until`` (a moment from the start to the close), the same rules as if the sprint
    had closed then: the sprint's numbers so far, a point of its burndown. (The burndown
    replays the issues' events instead, ``replay``; tests check it against this.)

    Read from the issues, joined to their stays: one join, filtered by the report's scope.
    """
    start = F(f"{STAY}sprint__start_at")
    if until is None:
        close, close_outside = close_of_sprint(now), close_of_sprint(now, ref=OuterRef)
    else:
        moment = Value(until, output_field=DateTimeField())
        close = Greatest(moment, start, output_field=DateTimeField())
        close_outside = Greatest(
            moment, OuterRef(f"{STAY}sprint__start_at"), output_field=DateTimeField()
        )
    done = Q(done_at__isnull=False, done_at__gte=F(f"{STAY}joined_at"), done_at__lte=close)
    closed = Q(**{f"{STAY}sprint__state": Sprint.State.CLOSED})
    return (
        issues.filter(**{f"{STAY}sprint_id__in": sprint_ids})
        .values(sprint_id=F(f"{STAY}sprint_id"), issue_id=F("pk"))
        .annotate(
            in_at_start=Max(_flag(_covers(start))),
            in_at_close=Max(_flag(_covers(close))),
            joined_during=Max(_flag(_between("joined_at", start, close))),
            left_during=Max(_flag(_between("left_at", start, close))),
            # Completed while in the stay that covers the close.
            done_in_sprint=Max(_flag(_covers(close) & done)),
            delivered=Max(_flag(Q(delivered=True))),
            closed=Max(_flag(closed)),
            # Its estimate when the sprint started, and when it closed (None: none).
            start_points=Max(points_at(OuterRef(f"{STAY}sprint__start_at"))),
            close_points=Max(points_at(close_outside)),
            # When it was first in the sprint from the start on (None: never in it then).
            entered=Min(
                Case(
                    When(_overlaps(start, close), then=Greatest(F(f"{STAY}joined_at"), start)),
                    output_field=DateTimeField(),
                )
            ),
        )
        .annotate(
            outside=Case(
                When(done_at__lt=F("entered"), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .annotate(
            committed=Case(
                When(outside=1, then=Value(0)),
                default=F("in_at_start"),
                output_field=IntegerField(),
            ),
            added=Case(
                When(outside=0, in_at_start=0, joined_during=1, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            removed=Case(
                When(outside=0, in_at_close=0, left_during=1, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            outcome=Case(
                When(outside=1, then=Value(COMPLETED_OUTSIDE)),
                When(in_at_close=0, then=Value(OUT)),
                When(done_in_sprint=1, delivered=1, then=Value(COMPLETED)),
                When(done_in_sprint=1, then=Value(NOT_DELIVERED)),
                When(closed=1, then=Value(CARRIED_OVER)),
                default=Value(STILL_OPEN),
                output_field=IntegerField(),
            ),
        )
        .order_by()
    )


def placement_of(row: dict) -> Placement:
    return Placement(
        committed=bool(row["committed"]),
        added=bool(row["added"]),
        removed=bool(row["removed"]),
        outcome=row["outcome"],
    )


# Per sprint: (SprintNumbers field, what is summed over its issues' placements).
SUMS = (
    ("committed", "{committed}"),
    ("added", "{added}"),
    ("removed", "{removed}"),
    ("completed", f"CASE WHEN {{outcome}} = {COMPLETED} THEN 1 ELSE 0 END"),
    ("not_delivered", f"CASE WHEN {{outcome}} = {NOT_DELIVERED} THEN 1 ELSE 0 END"),
    ("carried_over", f"CASE WHEN {{outcome}} = {CARRIED_OVER} THEN 1 ELSE 0 END"),
    ("still_open", f"CASE WHEN {{outcome}} = {STILL_OPEN} THEN 1 ELSE 0 END"),
    ("completed_outside", f"CASE WHEN {{outcome}} = {COMPLETED_OUTSIDE} THEN 1 ELSE 0 END"),
    ("committed_points", "{committed} * COALESCE({start_points}, 0)"),
    (
        "completed_points",
        f"CASE WHEN {{outcome}} = {COMPLETED} THEN COALESCE({{close_points}}, 0) ELSE 0 END",
    ),
    (
        "committed_unestimated",
        "CASE WHEN {committed} = 1 AND {start_points} IS NULL THEN 1 ELSE 0 END",
    ),
    (
        "remaining_points",
        f"CASE WHEN {{outcome}} IN ({CARRIED_OVER}, {STILL_OPEN}) "
        "THEN COALESCE({close_points}, 0) ELSE 0 END",
    ),
    (
        "completed_unestimated",
        f"CASE WHEN {{outcome}} = {COMPLETED} AND {{close_points}} IS NULL THEN 1 ELSE 0 END",
    ),
)


def numbers_per_sprint(placed: QuerySet) -> dict[int, SprintNumbers]:
    """Sprint row id → its numbers: ``placements`` summed per sprint, in one query."""
    try:
        inner, params = placed.query.sql_with_params()
    except EmptyResultSet:
        # No sprint to place issues in (sprint_id IN ()): Django can't write that query.
        return {}
    quote = connection.ops.quote_name
    names = {
        name: f"placed.{quote(name)}"
        for name in ("committed", "added", "removed", "outcome", "start_points", "close_points")
    }
    sums = ", ".join(f"SUM({expression.format(**names)})" for _field, expression in SUMS)
    sql = (
        f"SELECT placed.{quote('sprint_id')}, {sums} FROM ({inner}) placed "  # noqa: S608 (fixed names; values are parameters)
        f"GROUP BY placed.{quote('sprint_id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    numbers = {}
    for group, *values in rows:
        numbers[group] = SprintNumbers(
            **{field: value or 0 for (field, _expression), value in zip(SUMS, values, strict=True)}
        )
    return numbers
