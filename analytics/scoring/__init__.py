"""The per-issue score: 0-100 points from completeness and interactions.

Everything here is plain Python working on plain values: no Django, no ORM, no I/O.
The sync builds an :class:`IssueFacts` from database rows, calls :func:`score_issue`
and stores the :class:`ScoreResult` it returns (``score``, and ``as_dict()`` as the
breakdown) in an ``analytics.models.IssueScore`` row.

The rules (weights, thresholds, which checks apply to which issue type) are
documented for teams in ``docs/scoring.md``. Any change that can change a score for
the same facts must bump :data:`SCORE_VERSION`.

Modules: ``model`` (the rules, thresholds, :class:`IssueFacts`, :class:`Check` and
:class:`ScoreResult`), ``kinds`` (issue type -> kind), ``comments`` (which comments
count), ``checks`` (what each check looks at) and ``score`` (the per-kind plans and :func:`score_issue`). Import from
``analytics.scoring`` itself: the module layout is not part of the API.
"""

from analytics.scoring.checks import find_criteria_markers, is_placeholder_summary
from analytics.scoring.comments import comment_not_counted_reason
from analytics.scoring.kinds import issue_kind
from analytics.scoring.model import (
    CATEGORY_DONE,
    CATEGORY_IN_PROGRESS,
    CATEGORY_NEW,
    COMMENTS_FOR_FULL_POINTS,
    COMPLETENESS_POINTS,
    COMPLETENESS_RULES,
    INTERACTION_RULES,
    INTERACTIONS_POINTS,
    KIND_BUG,
    KIND_EPIC,
    KIND_STORY,
    KIND_SUBTASK,
    KIND_TASK,
    KINDS,
    PART_COMPLETENESS,
    PART_INTERACTIONS,
    PARTICIPANTS_FOR_FULL_POINTS,
    PULL_REQUEST_WEIGHTS,
    SCORE_VERSION,
    SUBSTANTIAL_DESCRIPTION_CHARS,
    SUBSTANTIAL_SUBTASK_DESCRIPTION_CHARS,
    SUMMARY_MIN_CHARS,
    SUMMARY_MIN_WORDS,
    Check,
    IssueFacts,
    ScoreResult,
)
from analytics.scoring.score import max_points, score_issue

__all__ = [
    "CATEGORY_DONE",
    "CATEGORY_IN_PROGRESS",
    "CATEGORY_NEW",
    "COMMENTS_FOR_FULL_POINTS",
    "COMPLETENESS_POINTS",
    "COMPLETENESS_RULES",
    "INTERACTIONS_POINTS",
    "INTERACTION_RULES",
    "KINDS",
    "KIND_BUG",
    "KIND_EPIC",
    "KIND_STORY",
    "KIND_SUBTASK",
    "KIND_TASK",
    "PARTICIPANTS_FOR_FULL_POINTS",
    "PART_COMPLETENESS",
    "PART_INTERACTIONS",
    "PULL_REQUEST_WEIGHTS",
    "SCORE_VERSION",
    "SUBSTANTIAL_DESCRIPTION_CHARS",
    "SUBSTANTIAL_SUBTASK_DESCRIPTION_CHARS",
    "SUMMARY_MIN_CHARS",
    "SUMMARY_MIN_WORDS",
    "Check",
    "IssueFacts",
    "ScoreResult",
    "comment_not_counted_reason",
    "find_criteria_markers",
    "is_placeholder_summary",
    "issue_kind",
    "max_points",
    "score_issue",
]
