"""Turn Jira's JSON into plain records the writer stores. Pure functions, no ORM.

Jira's shapes are loose and sometimes wrong (a string where an object belongs, a list
for ``fields``): everything here reads defensively, and ``map_issues`` turns an issue
that still can't be mapped into a ``SkippedIssue`` instead of failing its page.
Stored text is capped (``SUMMARY_LIMIT``, ``TEXT_LIMIT``) with a visible marker, so a
hostile or broken site can't fill the database or the pages.
"""

from dataclasses import dataclass, field
from datetime import datetime

from integrations.jira.adf import adf_text_and_urls
from integrations.jira.fields import (
    JiraUserRef,
    development_has_pull_requests,
    development_pull_request_types,
    parse_jira_datetime,
    parse_story_points,
    status_category,
    user_ref,
)
from integrations.jira.sprints import SprintInfo, parse_sprint_field
from integrations.sync.estimates import EstimateStep
from integrations.sync.sprints import SprintStay

# Fields asked of the enhanced search: it returns only `id` unless told otherwise.
BASE_FIELDS = [
    "summary",
    "description",
    "status",
    "issuetype",
    "priority",
    "creator",
    "reporter",
    "assignee",
    "created",
    "updated",
    "resolutiondate",
    "resolution",
    "statuscategorychangedate",
    "labels",
    "components",
    "parent",
    "project",
    "comment",
]

# Jira's own limit for a summary; descriptions and comments have none worth trusting.
SUMMARY_LIMIT = 255
TEXT_LIMIT = 32_000
TRUNCATED = "\n\n[… truncated: the rest is in Jira]"
NAME_LIMIT = 255
LIST_LIMIT = 100  # labels or components of one issue
URL_LIMIT = 2000


def capped(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying so at the end when it was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - len(TRUNCATED)] + TRUNCATED


@dataclass
class CommentRecord:
    jira_id: int
    author: JiraUserRef | None
    body: str
    created_at: datetime
    updated_at: datetime
    urls: list[str] = field(default_factory=list)


@dataclass
class TransitionRecord:
    history_id: int
    at: datetime
    from_status: str
    to_status: str
    from_category: str
    to_category: str
    author: JiraUserRef | None
    from_status_id: str = ""
    to_status_id: str = ""


@dataclass
class LinkRecord:
    url: str
    title: str = ""
    kind: str = ""  # document kind
    application: str = ""
    source: str = ""
    # Pull requests only
    state: str = ""
    author: str = ""
    repository: str = ""


@dataclass
class IssueRecord:
    jira_id: int
    key: str
    project_key: str
    summary: str
    description: str
    status: str
    status_category: str
    issue_type: str
    hierarchy_level: int
    priority: str
    labels: list[str]
    components: list[str]
    parent_key: str
    story_points: float | None
    creator: JiraUserRef | None
    reporter: JiraUserRef | None
    assignee: JiraUserRef | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    has_development: bool
    pull_request_types: list[str] | None
    comment_total: int
    comments: list[CommentRecord]
    comments_complete: bool
    changelog_total: int
    histories: list[dict]
    description_urls: list[str]
    resolution_id: str = ""
    resolution: str = ""
    category_changed_at: datetime | None = None
    # The Sprint field now: every sprint the issue is or was in; None when it wasn't read
    # (the site has no such field, or the caller didn't ask for it).
    sprints: list[SprintInfo] | None = None
    # Derived by ``finish`` once the per-issue requests are in.
    transitions: list[TransitionRecord] = field(default_factory=list)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    delivered: bool = False
    completed_by: JiraUserRef | None = None
    # None when the Sprint field wasn't read: the stored stays are then left as they are.
    sprint_stays: list[SprintStay] | None = None
    # Each estimation field's value now, in the order they are read (``story_points`` is
    # the first non-empty one); and, once finished, every change of the points over time.
    estimates: list[float | None] = field(default_factory=list)
    estimate_steps: list[EstimateStep] = field(default_factory=list)
    documents: list[LinkRecord] = field(default_factory=list)
    pull_requests: list[LinkRecord] = field(default_factory=list)
    # False: the remote links weren't asked this run; the stored ones are kept.
    remote_links_read: bool = False

    @property
    def changelog_complete(self) -> bool:
        return len(self.histories) >= self.changelog_total


@dataclass(frozen=True)
class SkippedIssue:
    """A search result that couldn't be stored, and why (shown on the Manage page)."""

    jira_id: str
    key: str
    reason: str

    def __str__(self) -> str:
        name = self.key or (f"id {self.jira_id}" if self.jira_id else "an issue without an id")
        return f"Skipped {name}: {self.reason}"


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _name(value) -> str:
    return str(value.get("name") or "")[:NAME_LIMIT] if isinstance(value, dict) else ""


def _int(value, default=0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return default


def map_comment(raw: dict) -> CommentRecord | None:
    if not isinstance(raw, dict):
        return None
    created = parse_jira_datetime(raw.get("created"))
    if created is None or not str(raw.get("id", "")).isdigit():
        return None
    body, urls = adf_text_and_urls(raw.get("body"))
    return CommentRecord(
        jira_id=int(raw["id"]),
        author=user_ref(raw.get("author")),
        body=capped(body),
        created_at=created,
        updated_at=parse_jira_datetime(raw.get("updated")) or created,
        urls=urls,
    )


def _estimates(fields: dict, field_ids) -> list[float | None]:
    """The value of each of the site's estimation fields, in their order."""
    return [parse_story_points(fields.get(field_id)) for field_id in field_ids]


def _story_points(estimates: list[float | None]) -> float | None:
    """The first non-empty value among the site's estimation fields, in their order."""
    return next((points for points in estimates if points is not None), None)


def _project_key(fields: dict, key: str) -> str:
    project = fields.get("project")
    if isinstance(project, dict) and project.get("key"):
        return str(project["key"]).upper()[:32]
    return key.rsplit("-", 1)[0].upper()[:32]


def map_issue(
    raw: dict, *, story_points_fields=(), development_field: str = "", sprint_field: str = ""
) -> IssueRecord | None:
    """One search result → an IssueRecord; None for a result too broken to store."""
    if not isinstance(raw, dict):
        return None
    fields = _dict(raw.get("fields"))
    created = parse_jira_datetime(fields.get("created"))
    updated = parse_jira_datetime(fields.get("updated")) or created
    if not str(raw.get("id", "")).isdigit() or created is None:
        return None
    key = str(raw.get("key") or "")[:64]
    issuetype = _dict(fields.get("issuetype"))
    status = _dict(fields.get("status"))
    comment_block = _dict(fields.get("comment"))
    comments = [c for c in map(map_comment, _list(comment_block.get("comments"))) if c]
    comment_total = max(_int(comment_block.get("total"), len(comments)), len(comments))
    changelog = _dict(raw.get("changelog"))
    histories = [h for h in _list(changelog.get("histories")) if isinstance(h, dict)]
    description, description_urls = adf_text_and_urls(fields.get("description"))
    parent = _dict(fields.get("parent"))
    hierarchy = issuetype.get("hierarchyLevel")
    if hierarchy is None:
        hierarchy = -1 if issuetype.get("subtask") else 0
    resolution = _dict(fields.get("resolution"))
    development = fields.get(development_field) if development_field else None
    estimates = _estimates(fields, story_points_fields)
    return IssueRecord(
        jira_id=int(raw["id"]),
        key=key,
        project_key=_project_key(fields, key),
        summary=capped(str(fields.get("summary") or ""), SUMMARY_LIMIT),
        description=capped(description),
        status=_name(status),
        status_category=status_category(status),
        issue_type=_name(issuetype),
        hierarchy_level=max(-32768, min(32767, _int(hierarchy))),
        priority=_name(fields.get("priority")),
        labels=[str(label)[:NAME_LIMIT] for label in _list(fields.get("labels"))][:LIST_LIMIT],
        components=[_name(c) for c in _list(fields.get("components")) if _name(c)][:LIST_LIMIT],
        parent_key=str(parent.get("key") or "")[:64],
        story_points=_story_points(estimates),
        estimates=estimates,
        creator=user_ref(fields.get("creator")),
        reporter=user_ref(fields.get("reporter")),
        assignee=user_ref(fields.get("assignee")),
        created_at=created,
        updated_at=updated,
        resolved_at=parse_jira_datetime(fields.get("resolutiondate")),
        resolution_id=str(resolution.get("id") or "")[:32],
        resolution=_name(resolution),
        category_changed_at=parse_jira_datetime(fields.get("statuscategorychangedate")),
        # Jira returns a requested field even when empty (null): absent means not asked for.
        sprints=parse_sprint_field(fields[sprint_field]) if sprint_field in fields else None,
        has_development=development_has_pull_requests(development),
        pull_request_types=development_pull_request_types(development),
        comment_total=comment_total,
        comments=comments,
        comments_complete=len(comments) >= comment_total,
        changelog_total=max(_int(changelog.get("total"), len(histories)), len(histories)),
        histories=histories,
        description_urls=description_urls,
    )


def map_issues(
    raw_issues: list, *, story_points_fields=(), development_field: str = "", sprint_field: str = ""
) -> tuple[list[IssueRecord], list[SkippedIssue]]:
    """Map a search page; an issue that can't be mapped is skipped, not its page."""
    records: list[IssueRecord] = []
    skipped: list[SkippedIssue] = []
    for raw in raw_issues:
        jira_id = str(raw.get("id") or "")[:20] if isinstance(raw, dict) else ""
        key = str(raw.get("key") or "")[:64] if isinstance(raw, dict) else ""
        try:
            record = map_issue(
                raw,
                story_points_fields=story_points_fields,
                development_field=development_field,
                sprint_field=sprint_field,
            )
        except Exception as error:  # noqa: BLE001 - one odd issue must not stop the others
            reason = f"Jira sent it in a shape that can't be read ({type(error).__name__})."
            skipped.append(SkippedIssue(jira_id, key, reason))
            continue
        if record is None:
            skipped.append(SkippedIssue(jira_id, key, "it has no numeric id or no creation date."))
        else:
            records.append(record)
    return records, skipped
