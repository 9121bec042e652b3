"""The per-issue score: 0-100 points from completeness and interactions.

Everything here is plain Python working on plain values: no Django, no ORM, no I/O.
The sync builds an :class:`IssueFacts` from database rows, calls :func:`score_issue`
and stores ``IssueScore.score`` plus ``IssueScore.as_dict()`` as the breakdown.

The rules (weights, thresholds, which checks apply to which issue type) are
documented for teams in ``docs/scoring.md``. Any change that can change a score for
the same facts must bump :data:`SCORE_VERSION`.
"""

from __future__ import annotations

import math
import re
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
# Bugs are judged on reproduction details as well as acceptance criteria.
_BUG_CRITERIA_LABEL = "Reproduction steps or acceptance criteria"

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
    - ``comment_author_ids``: one account id per comment, repeats included.
    - ``pull_request_states``: one of "OPEN", "MERGED", "DECLINED" per linked PR.
    - ``status_categories_visited``: status category keys ("new", "indeterminate",
      "done") in transition order, starting with the category at creation; see
      ``analytics.timing.categories_visited``. When empty, ``status_category`` (the
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
class IssueScore:
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
    def from_dict(cls, data: Mapping[str, Any]) -> IssueScore:
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


# --------------------------------------------------------------------------- kinds

_EPIC_NAMES = frozenset(
    {"epic", "épica", "epica", "épico", "épique", "エピック", "에픽", "史诗", "эпик"}
)
_SUBTASK_NAMES = frozenset(
    {
        "sub-task",
        "subtask",
        "sub task",
        "sub-tarea",
        "subtarea",
        "sous-tâche",
        "unteraufgabe",
        "sottotask",
        "subtarefa",
        "sub-tarefa",
        "podzadanie",
        "subtaak",
        "подзадача",
        "サブタスク",
        "하위 작업",
        "子任务",
    }
)
_BUG_NAMES = frozenset(
    {
        "bug",
        "defect",
        "defecto",
        "defeito",
        "fehler",
        "bogue",
        "error",
        "errore",
        "erro",
        "incidencia",
        "błąd",
        "fout",
        "chyba",
        "hiba",
        "hata",
        "fejl",
        "feil",
        "fel",
        "virhe",
        "ошибка",
        "баг",
        "дефект",
        "помилка",
        "バグ",
        "버그",
        "缺陷",
        "故障",
        "错误",
    }
)
_STORY_NAMES = frozenset(
    {
        "story",
        "user story",
        "historia",
        "história",
        "historia de usuario",
        "récit",
        "storia",
        "geschichte",
        "verhaal",
        "příběh",
        "hikaye",
        "tarina",
        "historie",
        "berättelse",
        "история",
        "історія",
        "ストーリー",
        "스토리",
        "故事",
    }
)
_BUG_WORD_RE = re.compile(r"\b(?:bug|defect)")  # "Production bug", "Bugfix", not "Debug"
_STORY_WORD_RE = re.compile(r"\bstor(?:y|ies)\b")  # "User story", not "History"
_kind_cache: dict[tuple[str, int], str] = {}


def issue_kind(issue_type: str, hierarchy_level: int = 0) -> str:
    """Map a Jira issue type to one of :data:`KINDS`.

    The hierarchy level decides first (1 and above: epic, -1 and below: sub-task);
    at level 0 the (possibly localized) type name tells bugs and stories apart from
    everything else, which is scored as a task.
    """
    cache_key = (issue_type, hierarchy_level)
    kind = _kind_cache.get(cache_key)
    if kind is not None:
        return kind
    if hierarchy_level >= 1:
        kind = KIND_EPIC
    elif hierarchy_level <= -1:
        kind = KIND_SUBTASK
    else:
        name = " ".join((issue_type or "").lower().split())
        if name in _BUG_NAMES or _BUG_WORD_RE.search(name):
            kind = KIND_BUG
        elif name in _STORY_NAMES or _STORY_WORD_RE.search(name):
            kind = KIND_STORY
        elif name in _EPIC_NAMES:
            kind = KIND_EPIC
        elif name in _SUBTASK_NAMES:
            kind = KIND_SUBTASK
        else:
            kind = KIND_TASK
    if len(_kind_cache) < 4096:
        _kind_cache[cache_key] = kind
    return kind


# ------------------------------------------------------------------ rescaled plans


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


# ------------------------------------------------------------------------- checks

_PLACEHOLDER_RE = re.compile(
    r"(?:tbd|tba|todo|to do|fix|fixme|fix me|test|testing|tests|wip|asdf\w*|qwerty|x+|tmp|temp"
    r"|placeholder|untitled|n/?a|none|foo|bar|foo ?bar|misc|stuff|update|changes"
    r"|task|bug|story|issue|ticket|epic|sub-?task"
    r"|new (?:issue|task|story|bug|ticket|epic|sub-?task)"
    r"|test (?:issue|ticket|task|story|bug))"
    r"[\s\d.!?:_#*-]*"
)
_ALNUM_RE = re.compile(r"[^\W_]")
_WHITESPACE = (" ", "\n", "\t", "\r", "\xa0")
_SUMMARY_TRIM = " \t\r\n.!?:;,-_*#()[]{}'\"`"

# One pass over the description finds every marker the criteria check looks for. Each
# marker starts a line, possibly after bullets, heading marks, numbering ("1.") or Jira
# wiki heading markup ("h3."). The text is lower-cased and prefixed with a line break
# before matching: anchoring on a literal "\n" is about twice as fast as "^".
_RESULT_SUFFIX = r"(?:[ \t]+(?:results?|behaviou?rs?|outcomes?))?[ \t\r]*(?::|-|–|$)"
_MARKERS_RE = re.compile(
    r"\n[^\w\n]*(?:\d+[.)][^\w\n]*)?(?:h[1-6]\.[ \t]*)?(?:"
    r"(?P<ac>acceptance[ \t]+criteri(?:a|on)s?\b|a\.?c\.?[ \t]*:|definition[ \t]+of[ \t]+done\b"
    r"|dod[ \t]*:|success[ \t]+criteria\b|done[ \t]+when[ \t]*:)"
    r"|(?P<given>given\b)"
    r"|(?P<check>\[[ x✓✔]\]|[☐☑☒✅])"
    r"|(?P<steps>steps[ \t]+to[ \t]+repro(?:duce)?\b|repro(?:duction)?[ \t]+steps\b"
    r"|how[ \t]+to[ \t]+reproduce\b|str[ \t]*:)"
    r"|(?P<expected>expected)" + _RESULT_SUFFIX + r"|(?P<actual>actual|observed"
    r"|current[ \t]+(?:results?|behaviou?rs?))" + _RESULT_SUFFIX + r")",
    re.MULTILINE,
)
_WHEN_RE = re.compile(r"\bwhen\b")
_THEN_RE = re.compile(r"\bthen\b")


_COMMENT_FRACTIONS = tuple(
    min(1.0, math.log2(1 + n) / math.log2(1 + COMMENTS_FOR_FULL_POINTS))
    for n in range(COMMENTS_FOR_FULL_POINTS + 1)
)
_PARTICIPANT_FRACTIONS = tuple(
    min(1.0, math.log2(1 + n) / math.log2(1 + PARTICIPANTS_FOR_FULL_POINTS))
    for n in range(PARTICIPANTS_FOR_FULL_POINTS + 1)
)
_CANONICAL_CATEGORIES = frozenset({CATEGORY_NEW, CATEGORY_IN_PROGRESS, CATEGORY_DONE})
_CATEGORY_ALIASES = {
    "new": CATEGORY_NEW,
    "to do": CATEGORY_NEW,
    "todo": CATEGORY_NEW,
    "indeterminate": CATEGORY_IN_PROGRESS,
    "in progress": CATEGORY_IN_PROGRESS,
    "done": CATEGORY_DONE,
}


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def is_placeholder_summary(summary: str) -> bool:
    """True for summaries such as "TBD", "fix", "test 2", "..." or empty ones."""
    text = " ".join((summary or "").lower().split()).strip(_SUMMARY_TRIM)
    if not text or _ALNUM_RE.search(text) is None:
        return True
    if len(set(text.replace(" ", ""))) == 1:  # "aaaa", "xxxx"
        return True
    return _PLACEHOLDER_RE.fullmatch(text) is not None


def _summary(facts: IssueFacts, kind: str) -> tuple[float, str]:
    summary = (facts.summary or "").strip()
    if not summary:
        return 0.0, "No summary"
    if is_placeholder_summary(summary):
        return 0.0, f'Summary "{summary[:40]}" is a placeholder'
    words = len(summary.split())
    if words < SUMMARY_MIN_WORDS or len(summary) < SUMMARY_MIN_CHARS:
        return 0.5, (
            f"Summary is short ({_plural(words, 'word')}, {len(summary)} characters; "
            f"clear summaries have {SUMMARY_MIN_WORDS}+ words and {SUMMARY_MIN_CHARS}+ characters)"
        )
    return 1.0, f"Summary has {_plural(words, 'word')}"


def _description_length(text: str) -> int:
    """Characters other than spaces, tabs and line breaks."""
    if not text:
        return 0
    return len(text) - sum(map(text.count, _WHITESPACE))


def _description(facts: IssueFacts, kind: str) -> tuple[float, str]:
    threshold = (
        SUBSTANTIAL_SUBTASK_DESCRIPTION_CHARS
        if kind == KIND_SUBTASK
        else SUBSTANTIAL_DESCRIPTION_CHARS
    )
    length = _description_length(facts.description)
    if length == 0:
        return 0.0, "No description"
    return min(1.0, length / threshold), (
        f"Description has {_plural(length, 'character')} (substantial is {threshold}+)"
    )


def find_criteria_markers(text: str) -> dict[str, int]:
    """Markers found in a plain-text description, with how many lines carry each.

    Keys: "ac" (acceptance criteria / definition of done heading or "AC:"),
    "gherkin" (a line starting with Given, followed later by When and then Then),
    "check" (checklist items "[ ]", "[x]"), "steps" (steps to reproduce),
    "expected" and "actual" (expected / actual result lines).
    """
    found: dict[str, int] = {}
    if not text:
        return found
    text = "\n" + text.lower()
    gherkin_checked = False
    for match in _MARKERS_RE.finditer(text):
        marker = match.lastgroup
        if marker == "given":
            if gherkin_checked:
                continue
            gherkin_checked = True
            when = _WHEN_RE.search(text, match.end())
            if when is None or _THEN_RE.search(text, when.end()) is None:
                continue
            marker = "gherkin"
        found[marker] = found.get(marker, 0) + 1
    return found


def _acceptance_criteria(found: dict[str, int]) -> str:
    """Plain-words description of what was found, or "" when nothing was."""
    if "ac" in found:
        return "Has acceptance criteria or a definition of done"
    if "gherkin" in found:
        return "Has a Given/When/Then scenario"
    if "check" in found:
        return f"Has a checklist ({_plural(found['check'], 'item')})"
    return ""


def _criteria(facts: IssueFacts, kind: str) -> tuple[float, str]:
    found = find_criteria_markers(facts.description)
    if kind == KIND_BUG:
        if "steps" in found:
            return 1.0, "Has steps to reproduce"
        if "expected" in found and "actual" in found:
            return 1.0, "Has expected and actual results"
        criteria = _acceptance_criteria(found)
        if criteria:
            return 1.0, criteria
        if "expected" in found:
            return 0.5, "Has an expected result but no actual result"
        if "actual" in found:
            return 0.5, "Has an actual result but no expected result"
        return 0.0, "No steps to reproduce, expected/actual results or acceptance criteria"
    criteria = _acceptance_criteria(found)
    if criteria:
        return 1.0, criteria
    return 0.0, "No acceptance criteria, definition of done or checklist"


def _assignee(facts: IssueFacts, kind: str) -> tuple[float, str]:
    if facts.has_assignee or facts.assignee_id:
        return 1.0, "Has an assignee"
    return 0.0, "No assignee"


def _estimate(facts: IssueFacts, kind: str) -> tuple[float, str]:
    points = facts.story_points
    if points is None:
        return 0.0, "No story points estimate"
    try:
        value = float(points)
    except (TypeError, ValueError):
        return 0.0, "Story points estimate is not a number"
    if not math.isfinite(value) or value < 0:
        return 0.0, "Story points estimate is not a valid number"
    return 1.0, f"Estimated at {value:g} story point{'' if value == 1 else 's'}"


def _labels(facts: IssueFacts, kind: str) -> tuple[float, str]:
    labels = sum(1 for label in facts.labels or () if label and label.strip())
    components = sum(1 for component in facts.components or () if component and component.strip())
    if not labels and not components:
        return 0.0, "No labels or components"
    found = []
    if labels:
        found.append(_plural(labels, "label"))
    if components:
        found.append(_plural(components, "component"))
    return 1.0, "Has " + " and ".join(found)


def _parent(facts: IssueFacts, kind: str) -> tuple[float, str]:
    parent = (facts.parent_key or "").strip()
    if parent:
        return 1.0, f"Belongs to {parent}"
    return 0.0, "No parent epic"


def _comments(facts: IssueFacts, kind: str) -> tuple[float, str]:
    count = len(facts.comment_author_ids or ())
    if count == 0:
        return 0.0, "No comments"
    return _COMMENT_FRACTIONS[min(count, COMMENTS_FOR_FULL_POINTS)], (
        f"{_plural(count, 'comment')} (full points at {COMMENTS_FOR_FULL_POINTS}+)"
    )


def _participants(facts: IssueFacts, kind: str) -> tuple[float, str]:
    people = set(facts.comment_author_ids or ())
    if facts.assignee_id:
        people.add(facts.assignee_id)
    people.discard("")
    people.discard(facts.reporter_id)
    count = len(people)
    if count == 0:
        return 0.0, "No one besides the reporter took part"
    return _PARTICIPANT_FRACTIONS[min(count, PARTICIPANTS_FOR_FULL_POINTS)], (
        f"{_plural(count, 'person', 'people')} besides the reporter "
        f"(full points at {PARTICIPANTS_FOR_FULL_POINTS}+)"
    )


def _pull_requests(facts: IssueFacts, kind: str) -> tuple[float, str]:
    states = facts.pull_request_states
    if not states:
        return 0.0, "No linked pull requests"
    merged = opened = declined = 0
    for state in states:
        if state == "MERGED" or state == "OPEN" or state == "DECLINED":
            pass
        else:
            state = (state or "").upper()
        if state == "MERGED":
            merged += 1
        elif state == "OPEN":
            opened += 1
        elif state == "DECLINED":
            declined += 1
    other = len(states) - merged - opened - declined
    if merged:
        best = PULL_REQUEST_WEIGHTS["MERGED"]
    elif opened:
        best = PULL_REQUEST_WEIGHTS["OPEN"]
    elif declined:
        best = PULL_REQUEST_WEIGHTS["DECLINED"]
    else:
        best = 0.0
    found = []
    if merged:
        found.append(f"{merged} merged")
    if opened:
        found.append(f"{opened} open")
    if declined:
        found.append(f"{declined} declined")
    known = merged + opened + declined
    if not known:
        return best, f"{_plural(other, 'pull request')} in an unrecognised state"
    reason = ", ".join(found) + (" pull request" if known == 1 else " pull requests")
    if other:
        reason += f", {other} in an unrecognised state"
    return best, reason


def _documents(facts: IssueFacts, kind: str) -> tuple[float, str]:
    count = facts.document_count or 0
    if count <= 0:
        return 0.0, "No linked documents"
    return 1.0, f"{_plural(count, 'linked document')}"


def _category(raw: str) -> str:
    if raw in _CANONICAL_CATEGORIES:
        return raw
    category = " ".join((raw or "").lower().split())
    return _CATEGORY_ALIASES.get(category, category)


def _progress(facts: IssueFacts, kind: str) -> tuple[float, str]:
    visited = facts.status_categories_visited or (
        (facts.status_category,) if facts.status_category else ()
    )
    started = False
    done = False
    for raw in visited:
        category = _category(raw)
        if category == CATEGORY_IN_PROGRESS:
            started = True
        elif category == CATEGORY_DONE:
            if started:
                return 1.0, "Moved through In Progress before Done"
            done = True
    if started:
        return 0.5, "In progress, not done yet"
    if visited and _category(visited[0]) == CATEGORY_DONE:
        return 0.0, "Created directly in Done"
    if done:
        return 0.0, "Went to Done without passing through In Progress"
    return 0.0, "Not started"


_EVALUATORS = {
    "summary": _summary,
    "description": _description,
    "criteria": _criteria,
    "assignee": _assignee,
    "estimate": _estimate,
    "labels": _labels,
    "parent": _parent,
    "comments": _comments,
    "participants": _participants,
    "pull_requests": _pull_requests,
    "documents": _documents,
    "progress": _progress,
}
# Per kind: (completeness entries, interaction entries); each entry is
# (part, key, label, max points, evaluator, cache of Check objects). Checks are immutable,
# so identical lines ("No assignee") are shared between issues instead of rebuilt.
_CHECK_CACHE_LIMIT = 2048
_Entry = tuple[str, str, str, float, Any, dict[tuple[float, str], Check]]
_RUN_PLANS: dict[str, tuple[tuple[_Entry, ...], tuple[_Entry, ...]]] = {
    kind: tuple(
        tuple(
            (part, key, label, top, _EVALUATORS[key], {})
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


def score_issue(facts: IssueFacts) -> IssueScore:
    """Score one issue. Pure: the same facts always give the same result."""
    kind = issue_kind(facts.issue_type, facts.hierarchy_level)
    completeness_entries, interaction_entries = _RUN_PLANS[kind]
    checks: list[Check] = []
    completeness_points = _run(completeness_entries, facts, kind, checks)
    interaction_points = _run(interaction_entries, facts, kind, checks)
    completeness = min(1.0, max(0.0, completeness_points / COMPLETENESS_POINTS))
    interactions = min(1.0, max(0.0, interaction_points / INTERACTIONS_POINTS))
    score = min(100, max(0, int(completeness_points + interaction_points + 0.5)))
    return IssueScore(score, completeness, interactions, SCORE_VERSION, tuple(checks), kind)
