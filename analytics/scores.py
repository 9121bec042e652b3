"""Compute and store issue scores, in batches, with bulk upserts."""

import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from analytics.facts import ISSUE_FIELDS, facts_from_rows
from analytics.models import IssueScore
from analytics.scoring import SCORE_VERSION, Check, ScoreResult, score_issue
from integrations.models import Issue

COLUMNS = ["issue", "score", "version", "completeness", "interactions", "breakdown", "computed_at"]
UPDATED_FIELDS = COLUMNS[1:]

# Most breakdown lines repeat from issue to issue ("No assignee", "Has 2 labels"), so
# each distinct line is serialized once: JSON encoding was a large part of the time.
_check_json: dict[Check, str] = {}
_CHECK_JSON_LIMIT = 20_000


def _check_to_json(check: Check) -> str:
    text = _check_json.get(check)
    if text is None:
        data = check.as_dict()
        # Rescaled points are long floats; two decimals keep the stored JSON small.
        data["points"] = round(data["points"], 2)
        data["max_points"] = round(data["max_points"], 2)
        text = json.dumps(data)
        if len(_check_json) >= _CHECK_JSON_LIMIT:
            _check_json.clear()
        _check_json[check] = text
    return text


def breakdown_json(result: ScoreResult) -> str:
    """``result.as_dict()`` as JSON text, with points rounded to two decimals."""
    head = json.dumps(
        {
            "version": result.version,
            "score": result.score,
            "completeness": round(result.completeness, 4),
            "interactions": round(result.interactions, 4),
            "kind": result.kind,
        }
    )
    checks = ", ".join(_check_to_json(check) for check in result.checks)
    return f'{head[:-1]}, "checks": [{checks}]}}'


Row = tuple[int, int, int, float, float, str, datetime]


def _copy_upsert(rows: list[Row]) -> None:
    """PostgreSQL: COPY the rows into a temporary table, then one INSERT ... ON CONFLICT.

    Measured on 100,000 issues this stores scores in a third of the time
    ``bulk_create(update_conflicts=True)`` takes: Django compiles every row's
    parameters and psycopg quotes each 1-2 kB breakdown into the SQL text.
    """
    quote = connection.ops.quote_name
    table = quote(IssueScore._meta.db_table)
    load = quote(IssueScore._meta.db_table + "_load")
    columns = ", ".join(quote(IssueScore._meta.get_field(name).column) for name in COLUMNS)
    updates = ", ".join(
        f"{quote(column)} = EXCLUDED.{quote(column)}"
        for column in (IssueScore._meta.get_field(name).column for name in UPDATED_FIELDS)
    )
    pk = quote(IssueScore._meta.pk.column)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {load} (LIKE {table})")
        cursor.execute(f"TRUNCATE {load}")
        with cursor.cursor.copy(f"COPY {load} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Only quoted names from the model's metadata go into the SQL; values are COPYed.
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {load} "  # noqa: S608
            f"ON CONFLICT ({pk}) DO UPDATE SET {updates}"
        )


def _bulk_upsert(rows: list[Row]) -> None:
    IssueScore.objects.bulk_create(
        [
            IssueScore(
                issue_id=issue_id,
                score=score,
                version=version,
                completeness=completeness,
                interactions=interactions,
                breakdown=json.loads(breakdown),
                computed_at=computed_at,
            )
            for issue_id, score, version, completeness, interactions, breakdown, computed_at in rows
        ],
        update_conflicts=True,
        unique_fields=["issue"],
        update_fields=UPDATED_FIELDS,
    )


def store_scores(rows: list[Row]) -> None:
    """Insert or update the scores of ``rows`` (one statement per call, or two)."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        _copy_upsert(rows)
    else:
        _bulk_upsert(rows)


def _batches(queryset, batch_size: int) -> Iterator[list[dict]]:
    """Issue rows in primary key order, one keyset page at a time."""
    last_id = 0
    while True:
        rows = list(queryset.filter(pk__gt=last_id).order_by("pk")[:batch_size])
        if not rows:
            return
        yield rows
        last_id = rows[-1]["id"]


def recompute_scores(
    *,
    issue_ids: Iterable[int] | None = None,
    workspace=None,
    batch_size: int = 2000,
    outdated_only: bool = False,
) -> int:
    """Score issues and store the results; returns how many scores were written.

    Every issue when neither ``issue_ids`` nor ``workspace`` is given. With
    ``outdated_only``, only issues without a score of the current SCORE_VERSION.
    """
    issues = Issue.objects.all()
    if issue_ids is not None:
        issue_ids = sorted({int(pk) for pk in issue_ids})
        if not issue_ids:
            return 0
        issues = issues.filter(pk__in=issue_ids)
    if workspace is not None:
        issues = issues.filter(workspace=workspace)
    if outdated_only:
        issues = issues.filter(Q(score__isnull=True) | Q(score__version__lt=SCORE_VERSION))
    rows = issues.values(*ISSUE_FIELDS)

    written = 0
    for batch in _batches(rows, batch_size):
        now = timezone.now()
        scores = []
        for issue_id, facts in facts_from_rows(batch).items():
            result = score_issue(facts)
            scores.append(
                (
                    issue_id,
                    result.score,
                    result.version,
                    result.completeness,
                    result.interactions,
                    breakdown_json(result),
                    now,
                )
            )
        store_scores(scores)
        written += len(scores)
    return written
