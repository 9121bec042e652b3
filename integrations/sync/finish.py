"""Finish a mapped issue once its per-issue requests are in: the facts the writer stores.

``finish`` is the one step that derives what isn't in Jira's JSON as such: status
transitions with their categories, when work started and was completed
(``integrations.jira.workflow``), whether it was delivered, who it is credited to, when
it was in which sprint (``integrations.sync.sprints``), its story points over time
(``integrations.sync.estimates``), and the linked pull requests and
documents from every source. Pure functions, no ORM.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from integrations.jira import workflow
from integrations.jira.fields import JiraUserRef, parse_jira_datetime, user_ref
from integrations.jira.links import document_from_url, parse_remote_link, pull_request_from_url
from integrations.sync.estimates import estimate_changes
from integrations.sync.mapping import URL_LIMIT, IssueRecord, LinkRecord, TransitionRecord
from integrations.sync.sprints import SPRINT_FIELD_NAME, sprint_changes, sprint_stays

# The version of the rules below. Raise it when a derived fact changes meaning: each
# connection's next sync is then a full one, which recomputes every stored issue.
FACTS_VERSION = 3  # 2: sprint membership history; 3: estimate history


@dataclass
class Workflow:
    """What finishing needs to know about the site and the workspace, read once per run."""

    catalog: workflow.StatusCatalog
    not_delivered: tuple[str, ...] = workflow.DEFAULT_NOT_DELIVERED_RESOLUTIONS
    # The site's Sprint field id, which names its changelog items.
    sprint_field: str = ""
    # The estimation fields an issue's points are read from, (id, name) in that order.
    estimation_fields: tuple[tuple[str, str], ...] = ()


@functools.lru_cache(maxsize=64)
def _field_bits(
    sprint_field: str, estimation_fields: tuple[tuple[str, str], ...]
) -> tuple[dict[str, int], dict[str, int]]:
    """Field id -> bits and field name -> bits of the `_ChangelogByField` lists whose reader
    may take an item of that field (1 status, 2 assignee, 4 sprint, 8 estimates); the same
    for every issue of a run. Read only."""
    by_id: dict[str, int] = {"status": 1, "assignee": 2}
    by_name: dict[str, int] = {"status": 1, "assignee": 2, SPRINT_FIELD_NAME: 4}
    if sprint_field:
        by_id[sprint_field] = by_id.get(sprint_field, 0) | 4
    for field_id, name in estimation_fields:
        by_id[field_id] = by_id.get(field_id, 0) | 8
        if name:
            by_name[name] = by_name.get(name, 0) | 8
    return by_id, by_name


class _ChangelogByField:
    """The histories that may change each field `finish` follows, in the changelog's order.

    One pass over every item, instead of one per fact: a changelog is mostly other
    fields' changes, and most of a finish's time went to reading them four times. Each
    list holds every history with an item of that field by either of its names (a
    superset of what its reader takes: each reader still checks every item).
    """

    __slots__ = ("status", "assignee", "sprint", "estimates")

    def __init__(self, histories: list[dict], rules: Workflow):
        self.status: list[dict] = []
        self.assignee: list[dict] = []
        self.sprint: list[dict] = []
        self.estimates: list[dict] = []
        buckets = (self.status, self.assignee, self.sprint, self.estimates)
        by_id, by_name = _field_bits(rules.sprint_field, rules.estimation_fields)
        for history in histories:
            bits = 0
            for item in history.get("items") or []:
                if not isinstance(item, dict):
                    continue
                field_id, name = item.get("fieldId"), item.get("field")
                if field_id.__class__ is str:
                    bits |= by_id.get(field_id, 0)
                if name.__class__ is str:
                    bits |= by_name.get(name, 0)
            if bits:
                for index, bucket in enumerate(buckets):
                    if bits & (1 << index):
                        bucket.append(history)


def map_transitions(histories: list[dict], rules: Workflow) -> list[TransitionRecord]:
    """Status changes from changelog histories (either shape: inline or paged), oldest first."""
    transitions = []
    for history in histories:
        # Most histories change something else: find a status item before reading the rest.
        for item in history.get("items") or []:
            if isinstance(item, dict) and (
                item.get("fieldId") == "status" or item.get("field") == "status"
            ):
                break
        else:
            continue
        at = parse_jira_datetime(history.get("created"))
        if at is None or not str(history.get("id", "")).isdigit():
            continue
        for item in history.get("items") or []:
            if not isinstance(item, dict):
                continue
            if item.get("fieldId") != "status" and item.get("field") != "status":
                continue
            ends = []
            for side in ("from", "to"):
                status_id = "" if item.get(side) is None else str(item.get(side))[:32]
                name = str(item.get(f"{side}String") or "")[:255]
                ends.append((status_id, name, rules.catalog.category(status_id, name)))
            (from_id, from_name, from_category), (to_id, to_name, to_category) = ends
            transitions.append(
                TransitionRecord(
                    history_id=int(history["id"]),
                    at=at,
                    from_status=from_name,
                    to_status=to_name,
                    from_category=from_category,
                    to_category=to_category,
                    author=user_ref(history.get("author")),
                    from_status_id=from_id,
                    to_status_id=to_id,
                )
            )
            break  # one status change per history entry
    transitions.sort(key=lambda t: (t.at, t.history_id))
    return transitions


def unknown_statuses(transitions: Iterable[TransitionRecord]) -> set[str]:
    """The statuses moved through whose category can't be told: "name (id)" each."""
    unknown = set()
    for move in transitions:
        for name, status_id, category in (
            (move.from_status, move.from_status_id, move.from_category),
            (move.to_status, move.to_status_id, move.to_category),
        ):
            if category == workflow.UNKNOWN:
                unknown.add(f"{name or 'unnamed'} ({status_id or 'no id'})")
    return unknown


def _known_refs(record: IssueRecord) -> dict[str, JiraUserRef]:
    """Every full user object the issue shows, by account id (the changelog has ids only)."""
    refs = [record.creator, record.reporter, record.assignee]
    refs += [c.author for c in record.comments]
    refs += [user_ref(h.get("author")) for h in record.histories]
    return {ref.account_id: ref for ref in refs if ref is not None}


def _assignee_ref(account_id, name, known: dict[str, JiraUserRef]) -> JiraUserRef | None:
    if not account_id:
        return None
    account_id = str(account_id)
    if account_id in known:
        return known[account_id]
    return JiraUserRef(account_id=account_id, display_name=str(name or ""), email="", active=True)


def assignee_at(
    record: IssueRecord, moment: datetime, histories: list[dict] | None = None
) -> JiraUserRef | None:
    """Who was assigned at `moment`, from the changelog's assignee changes.

    The last change before `moment` says who it went to; with none before, the
    first change after says who had it; with no change at all, it's the assignee now.
    `histories`: those of the record's that may change the assignee (all by default).
    """
    changes = []
    for history in record.histories if histories is None else histories:
        at = parse_jira_datetime(history.get("created"))
        if at is None:
            continue
        for item in history.get("items") or []:
            if isinstance(item, dict) and (item.get("fieldId") or item.get("field")) == "assignee":
                changes.append((at, item))
    if not changes:
        return record.assignee
    known = _known_refs(record)
    changes.sort(key=lambda change: change[0])
    before = [item for at, item in changes if at <= moment]
    if before:
        return _assignee_ref(before[-1].get("to"), before[-1].get("toString"), known)
    first = changes[0][1]
    return _assignee_ref(first.get("from"), first.get("fromString"), known)


def _dev_status_pull_request(pr: dict) -> LinkRecord | None:
    url = str(pr.get("url") or "")
    if not url.startswith(("http://", "https://")):
        return None
    ref = pull_request_from_url(url)
    author = pr.get("author") or {}
    return LinkRecord(
        url=ref.url if ref else url,
        title=str(pr.get("name") or "")[:500],
        state=str(pr.get("status")) if pr.get("status") in ("OPEN", "MERGED", "DECLINED") else "",
        author=str(author.get("name") or "")[:255] if isinstance(author, dict) else "",
        repository=(ref.repository if ref else str(pr.get("repositoryName") or ""))[:255],
        source="dev_status",
    )


def collect_links(
    record: IssueRecord, remote_links: list[dict], dev_status_prs: list[dict]
) -> None:
    """The record's documents and pull requests from every source, each URL once.

    Sources in order of how much they tell: the development panel (state, author),
    remote links (a title), then URLs in the description and in comments.
    """
    documents: dict[str, LinkRecord] = {}
    pulls: dict[str, LinkRecord] = {}
    for pr in dev_status_prs:
        link = _dev_status_pull_request(pr) if isinstance(pr, dict) else None
        if link is not None:
            pulls.setdefault(link.url, link)
    for remote in remote_links:
        info = parse_remote_link(remote)
        if info is None:
            continue
        if info.pull_request:
            pulls.setdefault(
                info.pull_request.url,
                LinkRecord(
                    url=info.pull_request.url,
                    title=info.title[:500],
                    repository=info.pull_request.repository,
                    source="remote_link",
                ),
            )
        elif info.document:
            documents.setdefault(
                info.document.url,
                LinkRecord(
                    url=info.document.url,
                    title=info.title[:500],
                    kind=info.document.kind,
                    application=info.application[:255],
                    source="remote_link",
                ),
            )
    typed = [("description", url) for url in record.description_urls]
    typed += [("comment", url) for comment in record.comments for url in comment.urls]
    for source, url in typed:
        pr_ref = pull_request_from_url(url)
        if pr_ref:
            pulls.setdefault(
                pr_ref.url, LinkRecord(url=pr_ref.url, repository=pr_ref.repository, source=source)
            )
            continue
        doc_ref = document_from_url(url)
        if doc_ref:
            documents.setdefault(
                doc_ref.url, LinkRecord(url=doc_ref.url, kind=doc_ref.kind, source=source)
            )
    record.documents = [d for d in documents.values() if len(d.url) <= URL_LIMIT]
    record.pull_requests = [p for p in pulls.values() if len(p.url) <= URL_LIMIT]


def finish(
    record: IssueRecord,
    rules: Workflow,
    *,
    remote_links: Iterable[dict] = (),
    dev_status_prs: Iterable[dict] = (),
) -> None:
    """Derive the record's stored facts from its (now complete) comments and changelog."""
    changelog = _ChangelogByField(record.histories, rules)
    record.transitions = map_transitions(changelog.status, rules)
    record.started_at = workflow.started_at(record.transitions)
    record.completed_at = workflow.completed_at(
        record.transitions,
        category_now=record.status_category,
        category_changed_at=record.category_changed_at,
        resolved_at=record.resolved_at,
        created_at=record.created_at,
    )
    record.delivered = workflow.is_delivered(
        completed=record.completed_at,
        resolution=record.resolution,
        not_delivered=rules.not_delivered,
    )
    # Whoever was assigned at completion; reports credit them only for delivered work.
    # Integrations (Automation for Jira, Git apps...) and customers are never credited.
    credited = (
        assignee_at(record, record.completed_at, changelog.assignee)
        if record.completed_at
        else None
    )
    record.completed_by = None if credited is None or credited.is_bot else credited
    if record.sprints is not None:
        record.sprint_stays = sprint_stays(
            created_at=record.created_at,
            current=[sprint.id for sprint in record.sprints],
            changes=sprint_changes(changelog.sprint, rules.sprint_field),
        )
    if rules.estimation_fields and len(record.estimates) == len(rules.estimation_fields):
        record.estimate_steps = estimate_changes(
            changelog.estimates, rules.estimation_fields, record.estimates
        )
    collect_links(record, list(remote_links), list(dev_status_prs))
