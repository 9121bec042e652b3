"""Turn Jira's JSON into plain records the writer stores. Pure functions, no ORM."""

from dataclasses import dataclass, field
from datetime import datetime

from integrations.jira.adf import adf_to_text, adf_urls
from integrations.jira.fields import (
    JiraUserRef,
    development_has_pull_requests,
    development_pull_request_types,
    parse_jira_datetime,
    parse_story_points,
    status_category,
    user_ref,
)
from integrations.jira.links import document_from_url, parse_remote_link, pull_request_from_url

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
    "labels",
    "components",
    "parent",
    "project",
    "comment",
]


@dataclass
class CommentRecord:
    jira_id: int
    author: JiraUserRef | None
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass
class TransitionRecord:
    history_id: int
    at: datetime
    from_status: str
    to_status: str
    from_category: str
    to_category: str
    author: JiraUserRef | None


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
    transitions: list[TransitionRecord] = field(default_factory=list)
    completed_by: JiraUserRef | None = None
    documents: list[LinkRecord] = field(default_factory=list)
    pull_requests: list[LinkRecord] = field(default_factory=list)
    # False: the remote links weren't asked this run; the stored ones are kept.
    remote_links_read: bool = False

    @property
    def changelog_complete(self) -> bool:
        return len(self.histories) >= self.changelog_total


def _name(value) -> str:
    return str(value.get("name", "")) if isinstance(value, dict) else ""


def _int(value, default=0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def map_comment(raw: dict) -> CommentRecord | None:
    created = parse_jira_datetime(raw.get("created"))
    if created is None or not str(raw.get("id", "")).isdigit():
        return None
    return CommentRecord(
        jira_id=int(raw["id"]),
        author=user_ref(raw.get("author")),
        body=adf_to_text(raw.get("body")),
        created_at=created,
        updated_at=parse_jira_datetime(raw.get("updated")) or created,
    )


def map_issue(raw: dict, *, story_points_field: str, development_field: str) -> IssueRecord | None:
    """One search result → an IssueRecord; None for a result too broken to store."""
    fields = raw.get("fields") or {}
    created = parse_jira_datetime(fields.get("created"))
    updated = parse_jira_datetime(fields.get("updated")) or created
    if not str(raw.get("id", "")).isdigit() or created is None:
        return None
    key = str(raw.get("key", ""))
    project = fields.get("project") or {}
    project_key = str(project.get("key") or key.rsplit("-", 1)[0]).upper()
    issuetype = fields.get("issuetype") or {}
    status = fields.get("status") or {}
    comment_block = fields.get("comment") or {}
    inline_comments = [c for c in comment_block.get("comments") or [] if isinstance(c, dict)]
    comments = [c for c in map(map_comment, inline_comments) if c]
    comment_total = max(_int(comment_block.get("total"), len(comments)), len(comments))
    changelog = raw.get("changelog") or {}
    histories = [h for h in changelog.get("histories") or [] if isinstance(h, dict)]
    description = fields.get("description")
    parent = fields.get("parent") or {}
    hierarchy = issuetype.get("hierarchyLevel")
    if hierarchy is None:
        hierarchy = -1 if issuetype.get("subtask") else 0
    return IssueRecord(
        jira_id=int(raw["id"]),
        key=key,
        project_key=project_key,
        summary=str(fields.get("summary") or ""),
        description=adf_to_text(description),
        status=_name(status),
        status_category=status_category(status),
        issue_type=_name(issuetype),
        hierarchy_level=_int(hierarchy),
        priority=_name(fields.get("priority")),
        labels=[str(label) for label in fields.get("labels") or []],
        components=[_name(c) for c in fields.get("components") or [] if _name(c)],
        parent_key=str(parent.get("key", "")) if isinstance(parent, dict) else "",
        story_points=parse_story_points(fields.get(story_points_field))
        if story_points_field
        else None,
        creator=user_ref(fields.get("creator")),
        reporter=user_ref(fields.get("reporter")),
        assignee=user_ref(fields.get("assignee")),
        created_at=created,
        updated_at=updated,
        resolved_at=parse_jira_datetime(fields.get("resolutiondate")),
        has_development=bool(development_field)
        and development_has_pull_requests(fields.get(development_field)),
        pull_request_types=development_pull_request_types(fields.get(development_field))
        if development_field
        else None,
        comment_total=comment_total,
        comments=comments,
        comments_complete=len(comments) >= comment_total,
        changelog_total=max(_int(changelog.get("total"), len(histories)), len(histories)),
        histories=histories,
        description_urls=adf_urls(description),
    )


def map_transitions(
    histories: list[dict], categories_by_status_id: dict[str, str]
) -> list[TransitionRecord]:
    """Status changes from changelog histories (either shape: inline or paged), oldest first."""
    transitions = []
    for history in histories:
        at = parse_jira_datetime(history.get("created"))
        if at is None or not str(history.get("id", "")).isdigit():
            continue
        for item in history.get("items") or []:
            if not isinstance(item, dict):
                continue
            if item.get("fieldId") != "status" and item.get("field") != "status":
                continue
            transitions.append(
                TransitionRecord(
                    history_id=int(history["id"]),
                    at=at,
                    from_status=str(item.get("fromString") or ""),
                    to_status=str(item.get("toString") or ""),
                    from_category=categories_by_status_id.get(str(item.get("from")), ""),
                    to_category=categories_by_status_id.get(str(item.get("to")), ""),
                    author=user_ref(history.get("author")),
                )
            )
            break  # one status change per history entry
    transitions.sort(key=lambda t: (t.at, t.history_id))
    return transitions


def _assignee_ref(account_id, name) -> JiraUserRef | None:
    if not account_id:
        return None
    return JiraUserRef(
        account_id=str(account_id), display_name=str(name or ""), email="", active=True
    )


def assignee_at(record: IssueRecord, moment: datetime) -> JiraUserRef | None:
    """Who was assigned at `moment`, from the changelog's assignee changes.

    The last change before `moment` says who it went to; with none before, the
    first change after says who had it; with no change at all, it's the assignee now.
    """
    changes = []
    for history in record.histories:
        at = parse_jira_datetime(history.get("created"))
        if at is None:
            continue
        for item in history.get("items") or []:
            if isinstance(item, dict) and (item.get("fieldId") or item.get("field")) == "assignee":
                changes.append((at, item))
    if not changes:
        return record.assignee
    changes.sort(key=lambda change: change[0])
    before = [item for at, item in changes if at <= moment]
    if before:
        return _assignee_ref(before[-1].get("to"), before[-1].get("toString"))
    first = changes[0][1]
    return _assignee_ref(first.get("from"), first.get("fromString"))


def started_and_done(record: IssueRecord) -> tuple[datetime | None, datetime | None]:
    """When work started (first move into in-progress) and finished (last move into done).

    An issue created straight into Done has no start and is done when created
    (or resolved); an issue that is not done now has no done time.
    """
    started = next((t.at for t in record.transitions if t.to_category == "indeterminate"), None)
    done = None
    if record.status_category == "done":
        into_done = [t.at for t in record.transitions if t.to_category == "done"]
        done = into_done[-1] if into_done else (record.resolved_at or record.created_at)
    return started, done


def collect_links(
    record: IssueRecord, remote_links: list[dict], dev_status_prs: list[dict]
) -> None:
    """Fill the record's documents and pull requests from all three sources, de-duplicated by URL."""
    documents: dict[str, LinkRecord] = {}
    pulls: dict[str, LinkRecord] = {}
    for pr in dev_status_prs:
        url = str(pr.get("url") or "")
        if not url.startswith(("http://", "https://")):
            continue
        ref = pull_request_from_url(url)
        author = pr.get("author") or {}
        pulls[ref.url if ref else url] = LinkRecord(
            url=ref.url if ref else url,
            title=str(pr.get("name") or "")[:500],
            state=str(pr.get("status") or "").upper()
            if pr.get("status") in ("OPEN", "MERGED", "DECLINED")
            else "",
            author=str(author.get("name") or "")[:255] if isinstance(author, dict) else "",
            repository=(ref.repository if ref else str(pr.get("repositoryName") or ""))[:255],
            source="dev_status",
        )
    for link in remote_links:
        info = parse_remote_link(link)
        if info is None:
            continue
        if info.pull_request and info.pull_request.url not in pulls:
            pulls[info.pull_request.url] = LinkRecord(
                url=info.pull_request.url,
                title=info.title[:500],
                repository=info.pull_request.repository,
                source="remote_link",
            )
        elif info.document and info.document.url not in documents:
            documents[info.document.url] = LinkRecord(
                url=info.document.url,
                title=info.title[:500],
                kind=info.document.kind,
                application=info.application[:255],
                source="remote_link",
            )
    for url in record.description_urls:
        pr_ref = pull_request_from_url(url)
        if pr_ref:
            pulls.setdefault(
                pr_ref.url,
                LinkRecord(url=pr_ref.url, repository=pr_ref.repository, source="description"),
            )
            continue
        doc_ref = document_from_url(url)
        if doc_ref:
            documents.setdefault(
                doc_ref.url, LinkRecord(url=doc_ref.url, kind=doc_ref.kind, source="description")
            )
    record.documents = [d for d in documents.values() if len(d.url) <= 2000]
    record.pull_requests = [p for p in pulls.values() if len(p.url) <= 2000]
