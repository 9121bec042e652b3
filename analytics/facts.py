"""Build the scoring module's ``IssueFacts`` from database rows, many issues at a time.

Five queries per batch whatever its size: the issues, then comment authors, pull
request states, document counts and status transitions of all of them at once.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Q

from analytics.scoring import IssueFacts, comment_not_counted_reason
from integrations.models import Comment, Issue, IssueDocument, PullRequest, StatusTransition

ISSUE_FIELDS = (
    "id",
    "issue_type",
    "hierarchy_level",
    "summary",
    "description",
    "assignee_id",
    "reporter_id",
    "story_points",
    "labels",
    "components",
    "parent_key",
    "status_category",
)


def _user_id(value) -> str:
    # Jira users are compared by their row id; the scoring only needs equality.
    return "" if value is None else str(value)


def _names(value) -> tuple[str, ...]:
    """Labels and components are JSON lists of names; older rows may hold objects."""
    if not isinstance(value, list):
        return ()
    names = []
    for item in value:
        if isinstance(item, dict):
            item = item.get("name", "")
        if isinstance(item, str) and item.strip():
            names.append(item)
    return tuple(names)


def of_issues(ids: list[int]) -> Q:
    """Rows of these issues. A dense batch (the usual case: ids in primary key order)
    is selected by range, which is much cheaper than thousands of IN parameters;
    rows of issues in the range but not in the batch are skipped by the callers."""
    low, high = min(ids), max(ids)
    if high - low < 2 * len(ids):
        return Q(issue_id__gte=low, issue_id__lte=high)
    return Q(issue_id__in=ids)


def _comment_authors(ids: list[int]) -> dict[int, list[str]]:
    """Who wrote each comment the score counts, per issue (the issue page marks the
    others with the same rule's reason)."""
    authors: dict[int, list[str]] = defaultdict(list)
    rows = Comment.objects.filter(of_issues(ids)).values_list(
        "issue_id", "author_id", "author__account_type"
    )
    for issue_id, author_id, account_type in rows.order_by():
        if not comment_not_counted_reason(account_type or ""):
            authors[issue_id].append(_user_id(author_id))
    return authors


def _pull_request_states(ids: list[int]) -> dict[int, list[str]]:
    states: dict[int, list[str]] = defaultdict(list)
    rows = PullRequest.objects.filter(of_issues(ids)).values_list("issue_id", "state")
    for issue_id, state in rows.order_by():
        states[issue_id].append(state)
    return states


def _document_counts(ids: list[int]) -> dict[int, int]:
    rows = (
        IssueDocument.objects.filter(of_issues(ids))
        .values("issue_id")
        .annotate(n=Count("id"))
        .values_list("issue_id", "n")
        .order_by()
    )
    return dict(rows)


def _categories_visited(ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Status categories each issue went through, from the one at creation, with moves
    within a category collapsed; the database sorts the transitions, so no timestamps
    need to be loaded."""
    visited: dict[int, list[str]] = {}
    rows = (
        StatusTransition.objects.filter(of_issues(ids))
        .values_list("issue_id", "from_category", "to_category")
        .order_by("issue_id", "at", "history_id")
    )
    for issue_id, from_category, to_category in rows:
        categories = visited.get(issue_id)
        if categories is None:
            categories = visited[issue_id] = [from_category] if from_category else []
        if not categories or categories[-1] != to_category:
            categories.append(to_category)
    return {issue_id: tuple(categories) for issue_id, categories in visited.items()}


def facts_from_rows(rows: Iterable[dict]) -> dict[int, IssueFacts]:
    """Facts of the issues in ``rows`` (dicts with :data:`ISSUE_FIELDS`), keyed by issue id."""
    rows = list(rows)
    ids = [row["id"] for row in rows]
    if not ids:
        return {}
    authors = _comment_authors(ids)
    states = _pull_request_states(ids)
    documents = _document_counts(ids)
    visited = _categories_visited(ids)
    facts = {}
    for row in rows:
        issue_id = row["id"]
        status_category = row["status_category"] or ""
        facts[issue_id] = IssueFacts(
            issue_type=row["issue_type"] or "",
            hierarchy_level=row["hierarchy_level"] or 0,
            summary=row["summary"] or "",
            description=row["description"] or "",
            has_assignee=row["assignee_id"] is not None,
            story_points=row["story_points"],
            labels=_names(row["labels"]),
            components=_names(row["components"]),
            parent_key=row["parent_key"] or "",
            reporter_id=_user_id(row["reporter_id"]),
            assignee_id=_user_id(row["assignee_id"]),
            comment_author_ids=tuple(authors.get(issue_id, ())),
            pull_request_states=tuple(states.get(issue_id, ())),
            document_count=documents.get(issue_id, 0),
            status_categories_visited=visited.get(issue_id)
            or ((status_category,) if status_category else ()),
            status_category=status_category,
        )
    return facts


def facts_for_issues(issue_ids: Iterable[int]) -> dict[int, IssueFacts]:
    """Facts of the given issues (missing ids are left out), keyed by issue id."""
    rows = Issue.objects.filter(pk__in=list(issue_ids)).values(*ISSUE_FIELDS).order_by()
    return facts_from_rows(rows)
