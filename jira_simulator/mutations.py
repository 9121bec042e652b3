"""Changes to a site while it runs: edits, moves, deletions, new issues and comments.

Each change is recorded the way Jira records it (a changelog history, a new ``updated``), so a
sync that runs afterwards sees exactly what a real site would show. All functions take the
site lock; they are safe to call while the HTTP server is answering requests.
"""

from __future__ import annotations

import random

from . import content
from .constants import (
    DONE,
    FIRST_ISSUE_ID,
    IN_PROGRESS,
    IN_REVIEW,
    PRIORITY_BY_NAME,
    RESOLUTIONS,
    STATUS_BY_NAME,
    STATUSES,
    T_SUBTASK,
    TODO,
    TYPE_BY_NAME,
)
from .dates import coerce_ms, iso_utc
from .devinfo import RemoteLink, link_application
from .history import item, record_status_change, remote_link_item, status_items
from .records import Comment, History
from .seeding import derive_seed
from .sprints import SPRINT_DAYS, move_sprints

NEXT_STATUS = {TODO.id: IN_PROGRESS, IN_PROGRESS.id: IN_REVIEW, IN_REVIEW.id: DONE, DONE.id: TODO}
CURRENT_STATUS_BY_ID = {s.id: s for s in STATUSES}


def _at(site, idx: int, updated) -> int:
    """The new ``updated``: the given instant, else now, never going backwards."""
    return coerce_ms(updated, max(site.clock(), site.skeleton.updated[idx] + 1))


def _user_index(site, who) -> int | None:
    if who is None:
        return None
    if isinstance(who, int):
        return who
    for i, user in enumerate(site.users):
        if who in (user.account_id, user.email):
            return i
    raise ValueError(f"unknown user {who!r}")


def _record(site, core, at: int, items: list[dict], author: int = 0) -> None:
    core.histories.append(History(site.next_history_id, author, at, items))
    site.next_history_id += 1


def _touch(site, idx: int, at: int) -> None:
    site.skeleton.updated[idx] = at
    site.version += 1


def _touch_site(site) -> None:
    site.version += 1  # rendered issues and search results are kept per version


def _deliver(site, event: str, idx: int, **details) -> None:
    """Send the change to the site's webhook registrations, as Jira does (webhooks.py)."""
    hub = getattr(site, "webhooks", None)
    if hub is not None:
        hub.emit(site, event, idx, **details)


def _deliver_sprint(site, event: str, sprint) -> None:
    """A sprint event: only `sprint` in the payload, sent to admin webhooks that ask for it."""
    hub = getattr(site, "webhooks", None)
    if hub is not None:
        hub.emit_sprint(site, event, sprint)


def update_issue(site, issue_id, *, updated=None, **changes) -> dict:
    """Change summary/status/assignee/priority/labels/story_points/description/sprints
    (a list of sprint ids: the whole Sprint field); bump updated."""
    with site.lock:
        idx = site.resolve(issue_id)
        core = site.materialize(idx)
        at = _at(site, idx, updated)
        items: list[dict] = []
        for name, value in changes.items():
            items += _apply(site, core, name, value, at)
        if items:
            _record(site, core, at, items)
        _touch(site, idx, at)
        _deliver(site, "jira:issue_updated", idx, changelog=core.histories[-1] if items else None)
        return {"id": site.issue_id(idx), "key": site.key_of(idx), "updated": iso_utc(at)}


def _apply(site, core, name: str, value, at: int) -> list[dict]:
    if name == "summary":
        old, core.summary = core.summary, str(value)
        return [item("summary", None, old, None, core.summary)]
    if name == "status":
        new = STATUS_BY_NAME.get(str(value).lower()) or CURRENT_STATUS_BY_ID.get(str(value))
        if new is None:
            raise ValueError(f"unknown status {value!r}")
        old, previous = core.status, core.resolution
        if new is old:
            return []
        resolution = RESOLUTIONS[0] if new is DONE else None
        record_status_change(core, old, new, at)
        core.status = new
        if new is DONE:
            core.resolution, core.resolution_ms = resolution, at
        elif old is DONE:
            core.resolution, core.resolution_ms = None, None
        return status_items(old, new, resolution, previous)
    if name == "assignee":
        old, core.assignee = core.assignee, _user_index(site, value)
        before, after = site.user_json(old), site.user_json(core.assignee)
        return [
            item(
                "assignee",
                before and before["accountId"],
                before and before["displayName"],
                after and after["accountId"],
                after and after["displayName"],
            )
        ]
    if name == "priority":
        old = core.priority
        core.priority = None if value is None else PRIORITY_BY_NAME[str(value).lower()]
        return [item("priority", *(old or (None, None)), *(core.priority or (None, None)))]
    if name == "labels":
        old_labels, core.labels = core.labels, sorted(value)
        return [item("labels", None, " ".join(old_labels), None, " ".join(core.labels))]
    if name == "story_points":
        old, core.story_points = core.story_points, value
        as_text = ["" if v is None else str(v) for v in (old, value)]
        field_id, field_name = site.points_field_of(site.project_of(core.idx))
        return [
            item(field_name, None, as_text[0], None, as_text[1], field_id=field_id, custom=True)
        ]
    if name == "description":
        core.description = content.plain_comment(value) if isinstance(value, str) else value
        core.desc_seed = None
        return [item("description", None, "", None, "updated")]
    if name == "sprints":
        unknown = [sprint_id for sprint_id in value if sprint_id not in site.sprints]
        if unknown:
            raise ValueError(f"unknown sprints {unknown}")
        change = move_sprints(site, core, at, list(value))
        return [change] if change else []
    raise ValueError(f"update_issue cannot change {name!r}")


def move_issue(site, issue_id, new_project_key: str, *, updated=None) -> str:
    """Move to another project: a fresh key there, same id; sub-tasks move along."""
    with site.lock:
        idx = site.resolve(issue_id)
        target = site.project_by_key.get(new_project_key.upper())
        if target is None:
            raise ValueError(f"unknown project {new_project_key!r}")
        sk = site.skeleton
        if sk.project[idx] == target.index:
            return site.key_of(idx)
        at = _at(site, idx, updated)
        moving = [idx] + [i for i, p in enumerate(sk.parent) if p == idx and not sk.deleted[i]]
        for i in moving:
            core = site.materialize(i)
            old_key, old_project = site.key_of(i), site.project_of(i)
            site.next_number[target.index] += 1
            sk.project[i], sk.number[i] = target.index, site.next_number[target.index]
            site.register_key(site.key_of(i), i)
            core.components = []
            items = [
                item("Key", None, old_key, None, site.key_of(i)),
                item("project", old_project.id, old_project.name, target.id, target.name),
            ]
            _record(site, core, max(at, sk.updated[i] + 1), items)
            _touch(site, i, max(at, sk.updated[i] + 1))
            _deliver(site, "jira:issue_updated", i, changelog=core.histories[-1])
        return site.key_of(idx)


def delete_issue(site, issue_id) -> list[str]:
    """Delete an issue (and its sub-tasks, as Jira does); returns the deleted ids."""
    with site.lock:
        idx = site.resolve(issue_id)
        sk = site.skeleton
        gone = [idx] + [i for i, p in enumerate(sk.parent) if p == idx and not sk.deleted[i]]
        for i in gone:
            sk.deleted[i] = 1
        site.version += 1
        for i in gone:
            _deliver(site, "jira:issue_deleted", i)
        return [site.issue_id(i) for i in gone]


def create_issue(
    site,
    project_key: str | None = None,
    *,
    summary: str | None = None,
    issue_type: str = "Task",
    parent=None,
    created=None,
    sprints=(),
) -> str:
    """A new issue; ``sprints`` are set at creation, which leaves no history item."""
    with site.lock:
        sk = site.skeleton
        project = site.project_by_key[(project_key or site.projects[0].key).upper()]
        type_idx = TYPE_BY_NAME[issue_type.lower()]
        parent_idx = -1 if parent is None else site.resolve(parent)
        if type_idx == T_SUBTASK and parent_idx < 0:
            raise ValueError("a Sub-task needs a parent")
        at = coerce_ms(created, site.clock())
        site.next_number[project.index] += 1
        idx = len(sk.created)
        sk.created.append(at)
        sk.updated.append(at)
        sk.project.append(project.index)
        sk.number.append(site.next_number[project.index])
        sk.types.append(type_idx)
        sk.parent.append(parent_idx)
        sk.deleted.append(0)
        sk.fresh.append(1)
        site.register_key(site.key_of(idx), idx)
        core = site.materialize(idx)
        if summary is not None:
            core.summary = summary
        if sprints:
            move_sprints(site, core, at, list(sprints))
        site.version += 1
        _deliver(site, "jira:issue_created", idx)
        return site.issue_id(idx)


def add_comment(site, issue_id, *, text: str | None = None, author=None) -> str:
    with site.lock:
        idx = site.resolve(issue_id)
        core = site.materialize(idx)
        at = _at(site, idx, None)
        who = _user_index(site, author) if author is not None else 0
        body = content.plain_comment(text or "Added by the simulator.")
        comment = Comment(site.next_comment_id, who, at, at, 0, body=body)
        site.next_comment_id += 1
        core.comments.append(comment)
        _touch(site, idx, at)
        _deliver(site, "comment_created", idx, comment=comment)
        return str(comment.id)


def start_sprint(site, sprint_id: int, *, at=None) -> None:
    """Start a planned sprint, as a board's "Start sprint" does: no issue changes."""
    with site.lock:
        sprint = site.sprints[sprint_id]
        if sprint.state != "future":
            raise ValueError(f"sprint {sprint_id} is {sprint.state}, not future")
        sprint.start_ms = coerce_ms(at, site.clock())
        sprint.end_ms = sprint.start_ms + SPRINT_DAYS * 86_400_000
        sprint.state = "active"
        _touch_site(site)  # issues in the sprint show it started
        _deliver_sprint(site, "sprint_started", sprint)


def complete_sprint(site, sprint_id: int, *, move_to: int | None = None, at=None) -> list[str]:
    """Close an active sprint as Jira does: done issues are left as they are (not even their
    ``updated`` changes); unfinished ones move to ``move_to``, or stay (back in the
    backlog, the closed sprint kept in their field). Returns the ids of issues changed."""
    with site.lock:
        sprint = site.sprints[sprint_id]
        if sprint.state != "active":
            raise ValueError(f"sprint {sprint_id} is {sprint.state}, not active")
        closed_at = coerce_ms(at, site.clock())
        sprint.state, sprint.complete_ms = "closed", closed_at
        moved = []
        board_project = sprint.project_index
        for idx in site.live_indexes([site.projects[board_project].key]):
            core = site.core(idx)
            if sprint_id not in core.sprint_ids or core.status is DONE or move_to is None:
                continue
            core = site.materialize(idx)
            at_ms = max(closed_at, site.skeleton.updated[idx] + 1)
            change = move_sprints(site, core, at_ms, [*core.sprint_ids, move_to])
            if change:
                _record(site, core, at_ms, [change])
                _touch(site, idx, at_ms)
                moved.append(site.issue_id(idx))
        site.version += 1
        _deliver_sprint(site, "sprint_closed", sprint)
        return moved


def add_remote_link(
    site, issue_id, *, url: str, title: str = "Linked page", history: bool = True
) -> int:
    """Link a web page. Jira records it in the changelog and bumps `updated`; with
    ``history=False`` nothing records it, as for links some apps make (the case a
    periodic check of every issue's links has to catch)."""
    with site.lock:
        idx = site.resolve(issue_id)
        core = site.materialize(idx)
        link = RemoteLink(site.next_link_id, "web", url, title, None)
        site.next_link_id += 1
        core.links.append(link)
        if history:
            at = _at(site, idx, None)
            _record(site, core, at, [remote_link_item(link.id, title, link_application(link))])
            _touch(site, idx, at)
        else:
            site.version += 1
        return link.id


def mutate(site, rng_seed: int, count: int) -> list[dict]:
    """Apply ``count`` random changes (deterministic for a seed); returns what was done."""
    rng = random.Random(derive_seed(site.seed, site.subdomain, "mutate", rng_seed))
    done: list[dict] = []
    with site.lock:
        live = site.live_indexes()
        for _ in range(count):
            action = rng.choices(
                ("update", "comment", "create", "move", "delete"), (45, 25, 12, 8, 10)
            )[0]
            if action == "create" or not live:
                project = rng.choice(site.projects).key
                new_id = create_issue(
                    site, project, issue_type=rng.choice(("Story", "Task", "Bug"))
                )
                live.append(int(new_id) - FIRST_ISSUE_ID)
                done.append({"action": "create_issue", "id": new_id, "project": project})
                continue
            idx = rng.choice(live)
            issue_id = site.issue_id(idx)
            if action == "update":
                changes = _random_change(site, rng, idx)
                update_issue(site, issue_id, **changes)
                done.append({"action": "update_issue", "id": issue_id, **changes})
            elif action == "comment":
                comment_id = add_comment(site, issue_id)
                done.append({"action": "add_comment", "id": issue_id, "comment_id": comment_id})
            elif action == "move" and len(site.projects) > 1:
                current = site.project_of(idx).key
                target = rng.choice([p.key for p in site.projects if p.key != current])
                new_key = move_issue(site, issue_id, target)
                done.append({"action": "move_issue", "id": issue_id, "key": new_key})
            else:
                deleted = delete_issue(site, issue_id)
                gone = {int(i) - FIRST_ISSUE_ID for i in deleted}
                live = [i for i in live if i not in gone]
                done.append({"action": "delete_issue", "id": issue_id, "deleted": deleted})
    return done


def _random_change(site, rng: random.Random, idx: int) -> dict:
    roll = rng.random()
    if roll < 0.45:
        return {"status": NEXT_STATUS[site.core(idx).status.id].name}
    if roll < 0.7:
        return {"summary": content.summary(rng, False)}
    if roll < 0.85:
        return {"assignee": rng.choice(site.users[: site.assignable_count]).account_id}
    return {"priority": rng.choice(("High", "Medium", "Low"))}
