"""The checks behind the score: what each one looks at, and the reason it gives.

Each check takes the :class:`IssueFacts` of one issue and its kind, and returns a 0-1
fraction and a plain-words reason; ``analytics.scoring.score`` turns fractions into
points with the plan of the issue's kind.
"""

from __future__ import annotations

import math
import re

from analytics.scoring.model import (
    CATEGORY_DONE,
    CATEGORY_IN_PROGRESS,
    CATEGORY_NEW,
    COMMENTS_FOR_FULL_POINTS,
    KIND_BUG,
    KIND_SUBTASK,
    PARTICIPANTS_FOR_FULL_POINTS,
    PULL_REQUEST_WEIGHTS,
    SUBSTANTIAL_DESCRIPTION_CHARS,
    SUBSTANTIAL_SUBTASK_DESCRIPTION_CHARS,
    SUMMARY_MIN_CHARS,
    SUMMARY_MIN_WORDS,
    IssueFacts,
)

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


# The check for each rule key of COMPLETENESS_RULES and INTERACTION_RULES.
EVALUATORS = {
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
