"""The records an issue is made of; plain data shared by the generator, renderer and mutations."""

from __future__ import annotations

from dataclasses import dataclass, field

from .constants import StatusDef
from .devinfo import PullRequest, RemoteLink


@dataclass
class Skeleton:
    """Column lists indexed by issue index (issue id = FIRST_ISSUE_ID + index)."""

    created: list[int]
    updated: list[int]
    project: list[int]
    number: list[int]
    types: list[int]
    parent: list[int]  # index of the parent issue, -1 for none
    deleted: bytearray
    fresh: bytearray  # 1 for issues made by create_issue(): no history yet


@dataclass(slots=True)
class Comment:
    id: int
    author: int
    created_ms: int
    updated_ms: int
    seed: int
    body: dict | None = None  # set for comments added through mutations
    update_author: int | None = None


@dataclass(slots=True)
class History:
    id: int
    author: int
    created_ms: int
    items: list[dict]


@dataclass(slots=True)
class IssueCore:
    idx: int
    summary: str
    status: StatusDef
    resolution: tuple[str, str] | None
    resolution_ms: int | None
    status_changed_ms: int
    priority: tuple[str, str] | None
    creator: int
    reporter: int
    assignee: int | None
    labels: list[str]
    components: list[tuple[str, str]]
    story_points: int | float | str | None
    zone: str
    desc_seed: int | None
    comments: list[Comment] = field(default_factory=list)
    histories: list[History] = field(default_factory=list)
    prs: list[PullRequest] = field(default_factory=list)
    links: list[RemoteLink] = field(default_factory=list)
    description: dict | None = None  # an explicit ADF body (overrides desc_seed)
    # When it was completed: the last move from a non-done category into done (None when
    # not done). The simulator's own record, which a sync must reproduce.
    completed_ms: int | None = None
    # PR links posted only in comments (by people or the GitHub app), not in dev-status.
    comment_prs: list[str] = field(default_factory=list)
    # The Sprint field (sprint ids in the order they were joined), and every stay in a
    # sprint as [sprint id, joined ms, left ms or None]: the simulator's own record.
    sprint_ids: list[int] = field(default_factory=list)
    sprint_stays: list[list] = field(default_factory=list)
