"""What analytics does when the sync or a webhook stored issues: their status spans at
once, their scores in the background (django-q2). Tasks take issue ids, never rows."""

from collections.abc import Iterable

from django.db import transaction
from django_q.tasks import async_task

from analytics.flow.time_in_status import store_spans
from analytics.scores import recompute_scores

# Keeps each queued task's stored arguments small and its run well under the timeout.
IDS_PER_TASK = 5000


def _chunks(issue_ids: Iterable[int]) -> list[list[int]]:
    ids = sorted({int(pk) for pk in issue_ids})
    return [ids[start : start + IDS_PER_TASK] for start in range(0, len(ids), IDS_PER_TASK)]


def queue_scoring(issue_ids: Iterable[int]) -> None:
    """Queue scoring of ``issue_ids`` once the current transaction commits.

    Called by the sync after it stores issues; a rolled-back sync queues nothing.
    """
    for chunk in _chunks(issue_ids):
        transaction.on_commit(
            lambda chunk=chunk: async_task(
                "analytics.tasks.score_issues_task", chunk, task_name="score-issues"
            )
        )


def store_spans_of_stored_issues(sender, *, issue_ids: list[int], **kwargs) -> None:
    """Receiver of ``integrations.signals.issues_stored``: recompute the issues' status
    spans (time in status) from their changelogs.

    Here, not in a queued task: it is a few set-based statements, and the reports must
    never pair an issue's new completion with its old spans (their hours would no longer
    sum to its lead time). Returns None: the ``sync_jira`` command counts scored issues
    from the receivers' answers.
    """
    store_spans(issue_ids)


def score_stored_issues(
    sender, *, issue_ids: list[int], in_process: bool = False, **kwargs
) -> int | None:
    """Receiver of ``integrations.signals.issues_stored``: the sync or a webhook stored them.

    Queued for a worker, or with ``in_process`` scored here: how many were scored.
    """
    if in_process:
        return score_now(issue_ids)
    queue_scoring(issue_ids)
    return None


def score_issues_task(issue_ids: list[int]) -> str:
    """Score the given issues; ids of issues deleted since are skipped."""
    written = recompute_scores(issue_ids=issue_ids)
    return f"scored {written} issues"


def score_now(issue_ids: Iterable[int]) -> int:
    """Score ``issue_ids`` in this process, in the tasks' chunks; returns how many were scored."""
    return sum(recompute_scores(issue_ids=chunk) for chunk in _chunks(issue_ids))
