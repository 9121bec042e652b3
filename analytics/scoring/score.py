"""The score of one issue: the checks weighed by the plan of its kind.

A plan lists, for one kind, the checks that apply to it with their points rescaled so
each part still adds up to its points (COMPLETENESS_POINTS, INTERACTIONS_POINTS) however
many checks are left out.
"""

from __future__ import annotations

from typing import Any

from analytics.scoring.checks import EVALUATORS
from analytics.scoring.kinds import issue_kind
from analytics.scoring.model import (
    COMPLETENESS_POINTS,
    COMPLETENESS_RULES,
    INTERACTION_RULES,
    INTERACTIONS_POINTS,
    KIND_BUG,
    KINDS,
    PART_COMPLETENESS,
    PART_INTERACTIONS,
    SCORE_VERSION,
    Check,
    IssueFacts,
    ScoreResult,
)

# Bugs are judged on reproduction details as well as acceptance criteria.
_BUG_CRITERIA_LABEL = "Reproduction steps or acceptance criteria"


def _plan(kind: str) -> tuple[tuple[str, str, str, float], ...]:
    plan: list[tuple[str, str, str, float]] = []
    for part, part_points, rules in (
        (PART_COMPLETENESS, COMPLETENESS_POINTS, COMPLETENESS_RULES),
        (PART_INTERACTIONS, INTERACTIONS_POINTS, INTERACTION_RULES),
    ):
        applicable = [rule for rule in rules if kind in rule[3]]
        total = sum(rule[2] for rule in applicable)
        for key, label, weight, _kinds in applicable:
            if kind == KIND_BUG and key == "criteria":
                label = _BUG_CRITERIA_LABEL
            plan.append((part, key, label, weight * part_points / total))
    return tuple(plan)


_PLANS: dict[str, tuple[tuple[str, str, str, float], ...]] = {kind: _plan(kind) for kind in KINDS}


def max_points(kind: str) -> dict[str, float]:
    """Rescaled maximum points of each check that applies to ``kind``."""
    return {key: points for _part, key, _label, points in _PLANS[kind]}


# Per kind: (completeness entries, interaction entries); each entry is
# (part, key, label, max points, evaluator, cache of Check objects). Checks are immutable,
# so identical lines ("No assignee") are shared between issues instead of rebuilt.
_CHECK_CACHE_LIMIT = 2048
_Entry = tuple[str, str, str, float, Any, dict[tuple[float, str], Check]]
_RUN_PLANS: dict[str, tuple[tuple[_Entry, ...], tuple[_Entry, ...]]] = {
    kind: tuple(
        tuple(
            (part, key, label, top, EVALUATORS[key], {})
            for part, key, label, top in plan
            if part == wanted
        )
        for wanted in (PART_COMPLETENESS, PART_INTERACTIONS)
    )
    for kind, plan in _PLANS.items()
}


def _run(entries: tuple[_Entry, ...], facts: IssueFacts, kind: str, out: list[Check]) -> float:
    total = 0.0
    for part, key, label, top, evaluate, cache in entries:
        result = evaluate(facts, kind)
        check = cache.get(result)
        if check is None:
            check = Check(part, key, label, top * result[0], top, result[1])
            if len(cache) >= _CHECK_CACHE_LIMIT:
                cache.clear()
            cache[result] = check
        total += check.points
        out.append(check)
    return total


def score_issue(facts: IssueFacts) -> ScoreResult:
    """Score one issue. Pure: the same facts always give the same result."""
    kind = issue_kind(facts.issue_type, facts.hierarchy_level)
    completeness_entries, interaction_entries = _RUN_PLANS[kind]
    checks: list[Check] = []
    completeness_points = _run(completeness_entries, facts, kind, checks)
    interaction_points = _run(interaction_entries, facts, kind, checks)
    completeness = min(1.0, max(0.0, completeness_points / COMPLETENESS_POINTS))
    interactions = min(1.0, max(0.0, interaction_points / INTERACTIONS_POINTS))
    score = min(100, max(0, int(completeness_points + interaction_points + 0.5)))
    return ScoreResult(score, completeness, interactions, SCORE_VERSION, tuple(checks), kind)
