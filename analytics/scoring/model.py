"""What the score is made of: the rules, the thresholds, the input and the result.

The constants here are the rules teams read about in ``docs/scoring.md``: any change
that can change a score for the same facts must bump :data:`SCORE_VERSION`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SCORE_VERSION = 1

PART_COMPLETENESS = "completeness"
PART_INTERACTIONS = "interactions"

# Points each part contributes to the 0-100 score.
COMPLETENESS_POINTS = 60.0
INTERACTIONS_POINTS = 40.0

# Issue kinds the rules are written for.
KIND_EPIC = "epic"
KIND_STORY = "story"
KIND_BUG = "bug"
KIND_TASK = "task"
KIND_SUBTASK = "subtask"
KINDS = (KIND_EPIC, KIND_STORY, KIND_BUG, KIND_TASK, KIND_SUBTASK)

# Jira status category keys.
CATEGORY_NEW = "new"
CATEGORY_IN_PROGRESS = "indeterminate"
CATEGORY_DONE = "done"

_ALL = frozenset(KINDS)
_NOT_SUBTASK = frozenset({KIND_EPIC, KIND_STORY, KIND_BUG, KIND_TASK})

# (key, label, raw weight, kinds the check applies to). Raw weights of a part add up to
# the part's points when every check applies; otherwise the applicable ones are
# rescaled so they still add up to the part's points.
COMPLETENESS_RULES: tuple[tuple[str, str, float, frozenset[str]], ...] = (
    ("summary", "Summary", 8.0, _ALL),
    ("description", "Description", 15.0, _ALL),
    ("criteria", "Acceptance criteria", 12.0, _NOT_SUBTASK),
    ("assignee", "Assignee", 8.0, _ALL),
    ("estimate", "Estimate", 7.0, frozenset({KIND_STORY, KIND_TASK})),
    ("labels", "Labels or components", 5.0, _NOT_SUBTASK),
    ("parent", "Parent epic", 5.0, frozenset({KIND_STORY, KIND_BUG, KIND_TASK})),
)
INTERACTION_RULES: tuple[tuple[str, str, float, frozenset[str]], ...] = (
    ("comments", "Comments", 10.0, _ALL),
    ("participants", "Participants", 8.0, _ALL),
    (
        "pull_requests",
        "Pull requests",
        10.0,
        frozenset({KIND_STORY, KIND_BUG, KIND_TASK, KIND_SUBTASK}),
    ),
    ("documents", "Linked documents", 4.0, _ALL),
    ("progress", "Progress", 8.0, _ALL),
)

# Thresholds.
SUBSTANTIAL_DESCRIPTION_CHARS = 200
SUBSTANTIAL_SUBTASK_DESCRIPTION_CHARS = 80
SUMMARY_MIN_CHARS = 12
SUMMARY_MIN_WORDS = 3
COMMENTS_FOR_FULL_POINTS = 7  # log2(1 + 7) == 3
PARTICIPANTS_FOR_FULL_POINTS = 3  # log2(1 + 3) == 2
PULL_REQUEST_WEIGHTS = {"MERGED": 1.0, "OPEN": 0.5, "DECLINED": 0.2}


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueFacts:
    """What the score looks at, as plain values the sync can fill from rows.

    Every field has a harmless default, so a caller only sets what it has. Sequences
    may be tuples or lists (they are only iterated); None is read as empty.

    - ``issue_type``: the type's name as Jira shows it, possibly localized.
    - ``hierarchy_level``: Jira's level, 1 epic (2+ above epics), 0 standard,
      -1 sub-task. Decides the kind before the name does.
    - ``description``: plain text (already converted from ADF).
    - ``has_assignee`` / ``assignee_id``: either one being set counts as assigned;
      only ``assignee_id`` counts as a participant.
    - ``story_points``: None when not estimated.
    - ``comment_author_ids``: one account id per comment the score counts, repeats
      included (``comments.comment_not_counted_reason`` decides which count).
    - ``pull_request_states``: one of "OPEN", "MERGED", "DECLINED" per linked PR.
    - ``status_categories_visited``: status category keys ("new", "indeterminate",
      "done") in transition order, starting with the category at creation, moves within
      a category collapsed (``analytics.facts``). When empty, ``status_category`` (the
      current one) is used instead.
    """

    issue_type: str = ""
    hierarchy_level: int = 0
    summary: str = ""
    description: str = ""
    has_assignee: bool = False
    story_points: float | None = None
    labels: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    parent_key: str = ""
    reporter_id: str = ""
    assignee_id: str = ""
    comment_author_ids: tuple[str, ...] = ()
    pull_request_states: tuple[str, ...] = ()
    document_count: int = 0
    status_categories_visited: tuple[str, ...] = ()
    status_category: str = ""


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the breakdown. ``points`` and ``max_points`` are already rescaled."""

    part: str
    key: str
    label: str
    points: float
    max_points: float
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "key": self.key,
            "label": self.label,
            "points": self.points,
            "max_points": self.max_points,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Check:
        return cls(
            part=str(data["part"]),
            key=str(data["key"]),
            label=str(data["label"]),
            points=float(data["points"]),
            max_points=float(data["max_points"]),
            reason=str(data["reason"]),
        )


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The result: ``score`` 0-100, each part as a 0-1 fraction, and the breakdown.

    ``checks`` lists only the checks that apply to ``kind``, completeness first, with
    rescaled points: the points of one part add up to that part's fraction times its
    weight (60 or 40), and all points add up to ``score`` before rounding.
    """

    score: int
    completeness: float
    interactions: float
    version: int
    checks: tuple[Check, ...]
    kind: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable breakdown, readable back with :meth:`from_dict`."""
        return {
            "version": self.version,
            "score": self.score,
            "completeness": self.completeness,
            "interactions": self.interactions,
            "kind": self.kind,
            "checks": [check.as_dict() for check in self.checks],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoreResult:
        return cls(
            score=int(data["score"]),
            completeness=float(data["completeness"]),
            interactions=float(data["interactions"]),
            version=int(data["version"]),
            checks=tuple(Check.from_dict(item) for item in data.get("checks", ())),
            kind=str(data.get("kind", "")),
        )

    def checks_for(self, part: str) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if check.part == part)
