"""Issues, comments and changelogs rendered in Jira Cloud's JSON shapes."""

from __future__ import annotations

from functools import lru_cache

from . import content, devinfo
from .constants import (
    DEVELOPMENT_FIELD_ID,
    ESTIMATE_FIELD,
    ISSUE_TYPES,
    PRIORITIES,
    RESOLUTIONS,
    SPRINT_FIELD,
    STATUS_BY_ID,
    STORY_POINTS_FIELD,
)
from .dates import jira_time, jira_time_or_none
from .records import Comment, History

INLINE_COMMENTS = 20  # enhanced search truncates the inline comment list (fact sheet section 5)
INLINE_HISTORIES_SEARCH = 40  # JRACLOUD-96459
INLINE_HISTORIES_ISSUE = 100
ID_FIELDS = frozenset({"id", "key"})


NAVIGABLE_FIELDS = (
    "summary", "status", "issuetype", "priority", "assignee", "reporter", "creator",
    "created", "updated", "resolutiondate", "resolution", "labels", "components", "parent",
    "project", "description", "comment", "statuscategorychangedate", ESTIMATE_FIELD[0],
    STORY_POINTS_FIELD[0], DEVELOPMENT_FIELD_ID, SPRINT_FIELD[0],
)  # fmt: skip
POINTS_FIELD_IDS = frozenset({ESTIMATE_FIELD[0], STORY_POINTS_FIELD[0]})


class FieldSelection:
    """What ``fields`` asked for: ids, ``*all`` / ``*navigable``, and ``-name`` exclusions."""

    def __init__(self, requested: list[str] | None, *, default: str = "id"):
        names = [n.strip() for n in (requested if requested else [default]) if n.strip()]
        self.raw = names or [default]
        self.everything = any(n in ("*all", "*navigable") for n in self.raw)
        self.excluded = {n[1:] for n in self.raw if n.startswith("-")}
        self.named = {n for n in self.raw if n[0] not in "*-"}
        self._chosen: list[str] | None = None

    @property
    def id_only(self) -> bool:
        return not self.everything and self.named <= ID_FIELDS

    def chosen(self, site) -> list[str]:
        if self._chosen is None:
            names = NAVIGABLE_FIELDS
            picked = names if self.everything else [n for n in names if n in self.named]
            self._chosen = [n for n in picked if n not in self.excluded]
        return self._chosen

    def digest_text(self) -> str:
        return ",".join(sorted(self.raw))


@lru_cache(maxsize=256)
def _status_json(status_id: str, base: str) -> dict:
    s = STATUS_BY_ID[status_id]
    return {
        "self": f"{base}/rest/api/3/status/{s.id}",
        "description": "",
        "iconUrl": f"{base}/images/icons/statuses/generic.png",
        "name": s.name,
        "id": s.id,
        "statusCategory": {
            "self": f"{base}/rest/api/3/statuscategory/{s.category_id}",
            "id": s.category_id,
            "key": s.category_key,
            "colorName": s.color,
            "name": s.category_name,
        },
    }


def status_json(status_id: str, base: str) -> dict:
    return _status_json(status_id, base)


@lru_cache(maxsize=256)
def issuetype_json(type_idx: int, base: str) -> dict:
    t = ISSUE_TYPES[type_idx]
    return {
        "self": f"{base}/rest/api/3/issuetype/{t.id}",
        "id": t.id,
        "description": t.description,
        "iconUrl": f"{base}/images/icons/issuetypes/{t.name.lower()}.svg",
        "name": t.name,
        "subtask": t.subtask,
        "hierarchyLevel": t.hierarchy_level,
    }


def priority_json(priority: tuple[str, str] | None, base: str) -> dict | None:
    if priority is None:
        return None
    pid, name = priority
    icon = f"{base}/images/icons/priorities/{name.lower()}.svg"
    return {"self": f"{base}/rest/api/3/priority/{pid}", "iconUrl": icon, "name": name, "id": pid}


def priorities_json(base: str) -> list[dict]:
    return [priority_json(p, base) for p in PRIORITIES]


def project_json(project, base: str) -> dict:
    return {
        "self": f"{base}/rest/api/3/project/{project.id}",
        "id": project.id,
        "key": project.key,
        "name": project.name,
        "projectTypeKey": "software",
        "simplified": project.index % 2 == 1,
        "avatarUrls": {"48x48": f"{base}/rest/api/3/universal_avatar/view/type/project/avatar/1"},
    }


def description_json(site, core) -> dict | None:
    if core.description is not None or core.desc_seed is None:
        return core.description
    users = site.user_refs[:12]
    docs = [link.url for link in core.links if link.kind != "github"]
    return content.description(
        core.desc_seed, users=users, pr_urls=[p.url for p in core.prs], doc_urls=docs
    )


def comment_json(site, core, comment: Comment, issue_self: str) -> dict:
    body = comment.body
    if body is None:
        users = site.user_refs[:12]
        body = content.comment_body(comment.seed, users=users, pr_urls=[p.url for p in core.prs])
    update_author = comment.update_author if comment.update_author is not None else comment.author
    return {
        "self": f"{issue_self}/comment/{comment.id}",
        "id": str(comment.id),
        "author": site.user_json(comment.author),
        "body": body,
        "updateAuthor": site.user_json(update_author),
        "created": jira_time(comment.created_ms, core.zone),
        "updated": jira_time(comment.updated_ms, core.zone),
        "jsdPublic": True,
    }


def history_json(site, core, history: History) -> dict:
    return {
        "id": str(history.id),
        "author": site.user_json(history.author),
        "created": jira_time(history.created_ms, core.zone),
        "items": history.items,
    }


def _parent_json(site, parent_idx: int, base: str) -> dict | None:
    sk = site.skeleton
    if parent_idx < 0 or sk.deleted[parent_idx]:
        return None
    parent = site.core(parent_idx)
    pid = site.issue_id(parent_idx)
    return {
        "id": pid,
        "key": site.key_of(parent_idx),
        "self": f"{base}/rest/api/3/issue/{pid}",
        "fields": {
            "summary": parent.summary,
            "status": status_json(parent.status.id, base),
            "priority": priority_json(parent.priority, base),
            "issuetype": issuetype_json(sk.types[parent_idx], base),
        },
    }


class IssueView:
    """One issue being rendered: what the field renderers below read from."""

    __slots__ = ("site", "sk", "idx", "core", "base", "issue_self")

    def __init__(self, site, idx: int, core, base: str, issue_self: str):
        self.site, self.sk, self.idx, self.core = site, site.skeleton, idx, core
        self.base, self.issue_self = base, issue_self

    def time(self, ms: int | None) -> str | None:
        return jira_time_or_none(ms, self.core.zone)


def _resolution(v: IssueView) -> dict | None:
    if v.core.resolution is None:
        return None
    rid, name = v.core.resolution
    return {"self": f"{v.base}/rest/api/3/resolution/{rid}", "id": rid, "name": name}


def _components(v: IssueView) -> list[dict]:
    return [
        {"self": f"{v.base}/rest/api/3/component/{cid}", "id": cid, "name": name}
        for cid, name in v.core.components
    ]


def _comments(v: IssueView) -> dict:
    shown = v.core.comments[:INLINE_COMMENTS]
    return {
        "comments": [comment_json(v.site, v.core, c, v.issue_self) for c in shown],
        "self": f"{v.issue_self}/comment",
        "maxResults": INLINE_COMMENTS,
        "total": len(v.core.comments),
        "startAt": 0,
    }


FIELD_RENDERERS = {
    "summary": lambda v: v.core.summary,
    "status": lambda v: status_json(v.core.status.id, v.base),
    "issuetype": lambda v: issuetype_json(v.sk.types[v.idx], v.base),
    "priority": lambda v: priority_json(v.core.priority, v.base),
    "assignee": lambda v: v.site.user_json(v.core.assignee),
    "reporter": lambda v: v.site.user_json(v.core.reporter),
    "creator": lambda v: v.site.user_json(v.core.creator),
    "created": lambda v: v.time(v.sk.created[v.idx]),
    "updated": lambda v: v.time(v.sk.updated[v.idx]),
    "resolutiondate": lambda v: v.time(v.core.resolution_ms),
    "statuscategorychangedate": lambda v: v.time(v.core.status_changed_ms),
    "resolution": _resolution,
    "labels": lambda v: list(v.core.labels),
    "components": _components,
    "parent": lambda v: _parent_json(v.site, v.sk.parent[v.idx], v.base),
    "project": lambda v: project_json(v.site.project_of(v.idx), v.base),
    "description": lambda v: description_json(v.site, v.core),
    "comment": _comments,
    DEVELOPMENT_FIELD_ID: lambda v: devinfo.development_field(v.core.prs),
    # Jira sends null, not [], for an issue never in a sprint.
    SPRINT_FIELD[0]: lambda v: [v.site.sprints[i].as_json() for i in v.core.sprint_ids] or None,
}


def field_value(view: IssueView, name: str):
    if name in POINTS_FIELD_IDS:
        # Each project uses one of the two estimation fields; the other is empty.
        used = view.site.points_field_of(view.site.project_of(view.idx))[0]
        return view.core.story_points if name == used else None
    renderer = FIELD_RENDERERS.get(name)
    return renderer(view) if renderer else None


def issue_json(site, idx: int, selection: FieldSelection, *, base: str, changelog: int = 0) -> dict:
    """One issue; ``changelog`` > 0 inlines the latest that many histories (oldest first)."""
    issue_id = site.issue_id(idx)
    if selection.id_only and not changelog:
        data: dict = {"id": issue_id}
        if "key" in selection.named:
            data["key"] = site.key_of(idx)
        return data
    issue_self = f"{base}/rest/api/3/issue/{issue_id}"
    core = site.core(idx)
    view = IssueView(site, idx, core, base, issue_self)
    fields = {}
    for name in selection.chosen(site):
        value = field_value(view, name)
        if value is not None or name != "parent":  # Jira leaves "parent" out when there is none
            fields[name] = value
    data = {
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": issue_id,
        "self": issue_self,
        "key": site.key_of(idx),
        "fields": fields,
    }
    if changelog:
        shown = core.histories[-changelog:]
        data["changelog"] = {
            "startAt": 0,
            "maxResults": changelog,
            "total": len(core.histories),
            "histories": [history_json(site, core, h) for h in shown],
        }
    return data


def resolutions_json(base: str) -> list[dict]:
    return [
        {"self": f"{base}/rest/api/3/resolution/{r}", "id": r, "name": n} for r, n in RESOLUTIONS
    ]
