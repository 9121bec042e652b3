"""Compute and store issue scores, in batches, with bulk upserts."""

import json
from collections.abc import Iterable, Iterator

from django.db.models import Q
from django.utils import timezone

from analytics.facts import ISSUE_FIELDS, facts_from_rows
from analytics.models import IssueScore
from analytics.scoring import SCORE_VERSION, Check, ScoreResult, score_issue
from integrations.models import Issue
from pensero.bulk import JsonText, upsert_rows

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


def _batches(queryset, batch_size: int) -> Iterator[list[dict]]:
    """Issue rows in primary key order, one keyset page at a time."""
    last_id = 0
    while True:
        rows = list(queryset.filter(pk__gt=last_id).order_by("pk")[:batch_size])
        if not rows:
            return
        yield rows
        last_id = rows[-1]["id"]


def _batches_of(queryset, issue_ids: list[int], batch_size: int) -> Iterator[list[dict]]:
    """The rows of `issue_ids` (sorted, distinct) in primary key order, `batch_size` ids at
    a time; ids with no row are skipped.

    Each query names its batch's ids only, not every id of the call again with a keyset
    bound (the sync scores 5,000 ids a call: each query compiled and sent 5,000
    parameters), and a batch of consecutive ids, as a first sync's are, as a range.
    """
    for start in range(0, len(issue_ids), batch_size):
        ids = issue_ids[start : start + batch_size]
        if ids[-1] - ids[0] == len(ids) - 1:
            batch = queryset.filter(pk__gte=ids[0], pk__lte=ids[-1])
        else:
            batch = queryset.filter(pk__in=ids)
        rows = list(batch.order_by("pk"))
        if rows:
            yield rows


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
    if workspace is not None:
        issues = issues.filter(workspace=workspace)
    if outdated_only:
        issues = issues.filter(Q(score__isnull=True) | Q(score__version__lt=SCORE_VERSION))
    rows = issues.values(*ISSUE_FIELDS)

    written = 0
    batches = (
        _batches(rows, batch_size)
        if issue_ids is None
        else _batches_of(rows, issue_ids, batch_size)
    )
    for batch in batches:
        now = timezone.now()
        scores = []
        for issue_id, facts in facts_from_rows(batch).items():
            result = score_issue(facts)
            scores.append(
                {
                    "issue_id": issue_id,
                    "score": result.score,
                    "version": result.version,
                    "completeness": result.completeness,
                    "interactions": result.interactions,
                    "breakdown": JsonText(breakdown_json(result)),
                    "computed_at": now,
                }
            )
        upsert_rows(IssueScore, scores, unique=["issue_id"])
        written += len(scores)
    return written
