"""Changelog histories of a generated issue.

Status transitions come from the issue's status path; the other entries (assignee, priority,
summary, story points, rank...) are chained so that each change starts from the
previous value and the last one ends at the issue's current value.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from .constants import (
    CLOSED,
    DONE,
    OPEN,
    PRIORITIES,
    READY_FOR_DEV,
    RESOLUTION_WEIGHTS,
    RESOLUTIONS,
    RESOLVED,
    STATUSES,
    TODO,
    StatusDef,
)
from .records import History

# History ids of an issue are base_id + i for its generated events; the workflow
# migration's entries come after them.
MIGRATION_ID_OFFSET = 250

# Sprint changes come from the life in sprints (sprints.py), not from here.
EXTRA_KINDS = (
    "assignee", "priority", "labels", "Rank", "summary", "points", "description", "Flagged",
)  # fmt: skip
EXTRA_WEIGHTS = (20, 8, 10, 20, 5, 10, 7, 5)
OLD_SUMMARIES = ("TBD", "draft", "New issue", "Investigate")


def item(
    field: str,
    from_: str | None,
    from_string: str | None,
    to: str | None,
    to_string: str | None,
    *,
    field_id: str | None = None,
    custom: bool = False,
) -> dict:
    return {
        "field": field,
        "fieldtype": "custom" if custom else "jira",
        "fieldId": field_id or field,
        "from": from_,
        "fromString": from_string,
        "to": to,
        "toString": to_string,
    }


def remote_link_item(link_id: int, title: str, application: str) -> dict:
    """What Jira records when a remote link is added (fact sheet section 10); no fieldId."""
    return {
        "field": "RemoteIssueLink",
        "fieldtype": "jira",
        "from": None,
        "fromString": None,
        "to": str(link_id),
        "toString": f'This issue links to "{title} ({application})"',
    }


def status_items(
    old: StatusDef,
    new: StatusDef,
    resolution: tuple[str, str] | None,
    previous: tuple[str, str] | None = RESOLUTIONS[0],
) -> list[dict]:
    """A status change; entering Done sets the resolution, leaving Done clears ``previous``."""
    items = [item("status", old.id, old.name, new.id, new.name)]
    if new is DONE and resolution:
        items.append(item("resolution", None, None, resolution[0], resolution[1]))
    elif old is DONE and previous:
        items.append(item("resolution", previous[0], previous[1], None, None))
    return items


# The statuses generated histories use (before the migration renames some of them).
STATUS_BY_ID_NOW = {s.id: s for s in STATUSES}


def record_status_change(core, old: StatusDef, new: StatusDef, at: int) -> None:
    """What a status change does to the issue besides its status: Jira's
    ``statuscategorychangedate`` moves only when the category changes, and the issue is
    completed by a move into done from another category (reopening undoes it)."""
    if old.category_key != new.category_key:
        core.status_changed_ms = at
    if new.category_key == "done" and old.category_key != "done":
        core.completed_ms = at
    elif new.category_key != "done":
        core.completed_ms = None


def _chain(final: Any, count: int, pick: Callable[[], Any]) -> list[Any]:
    """``count + 1`` values, each different from the next, ending with ``final``."""
    values = [final]
    for _ in range(count):
        value = pick()
        if value == values[-1]:
            value = pick()
        values.append(value)
    values.reverse()
    return values


class HistoryBuilder:
    def __init__(self, site, core, rng: random.Random, *, base_id: int):
        self.site = site
        self.core = core
        self.rng = rng
        self.base_id = base_id
        self.histories: list = []

    def build(self, times: list[int], transitions: list[tuple[StatusDef, StatusDef]]) -> None:
        rng, core, site = self.rng, self.core, self.site
        status_at = set(rng.sample(range(len(times)), len(transitions)))
        kinds = rng.choices(EXTRA_KINDS, EXTRA_WEIGHTS, k=len(times) - len(transitions))
        if core.priority is None:
            kinds = ["Rank" if k == "priority" else k for k in kinds]
        chains = self._chains(kinds)
        kind_iter = iter(kinds)
        transition_iter = iter(transitions)
        for i, at in enumerate(times):
            if i in status_at:
                old, new = next(transition_iter)
                resolution, previous = None, core.resolution
                if new is DONE:
                    resolution = rng.choices(RESOLUTIONS, RESOLUTION_WEIGHTS)[0]
                    core.resolution, core.resolution_ms = resolution, at
                elif old is DONE:
                    core.resolution, core.resolution_ms = None, None
                record_status_change(core, old, new, at)
                items = status_items(old, new, resolution, previous)
                author = core.assignee if core.assignee is not None else core.reporter
                if rng.random() < 0.1:
                    author = site.app_user
            else:
                kind = next(kind_iter)
                items = self._extra(kind, chains)
                author = int(rng.random() * site.assignable_count)
            self.histories.append(History(self.base_id + i, author, at, items))

    def migrate_workflow(self, created: int, updated: int, created_done: bool) -> None:
        """Replay the site's workflow migration on an issue that lived through it.

        Before the migration the site used Jira's built-in statuses (Open, Resolved,
        Closed; "Ready for Dev" on legacy sites): status items before it are renamed, and
        an issue in one of them was moved to the new status on migration day, as Jira
        records it. Done issues may also have moved Resolved -> Closed before: neither
        move inside done completes anything again.
        """
        site, rng = self.site, self.rng
        if not created < site.migration_ms < updated:
            return
        old_todo = READY_FOR_DEV if site.legacy else OPEN
        renamed = {TODO.id: old_todo, DONE.id: RESOLVED}
        status_then = DONE if created_done else TODO
        resolved_at = created
        for history in self.histories:
            if history.created_ms >= site.migration_ms:
                break
            for change in history.items:
                if change.get("fieldId") != "status":
                    continue
                status_then = STATUS_BY_ID_NOW[change["to"]]
                if status_then is DONE:
                    resolved_at = history.created_ms
                for side in ("from", "to"):
                    old = renamed.get(change[side])
                    if old is not None:
                        change[side], change[f"{side}String"] = old.id, old.name
        before = renamed.get(status_then.id)
        if before is None:
            return
        author = 2 % site.assignable_count  # the site admin ran the migration
        extra_id = self.base_id + MIGRATION_ID_OFFSET
        if before is RESOLVED and rng.random() < 0.3:
            closed_at = resolved_at + int(rng.random() * (site.migration_ms - resolved_at))
            if resolved_at < closed_at < site.migration_ms:
                items = [item("status", RESOLVED.id, RESOLVED.name, CLOSED.id, CLOSED.name)]
                self.histories.append(History(extra_id + 1, author, closed_at, items))
                before = CLOSED
        new = DONE if status_then is DONE else TODO
        items = [item("status", before.id, before.name, new.id, new.name)]
        self.histories.append(History(extra_id, author, site.migration_ms, items))
        self.histories.sort(key=lambda h: (h.created_ms, h.id))

    def _chains(self, kinds: list[str]) -> dict[str, list]:
        rng, core, site = self.rng, self.core, self.site

        def pick_user():
            return None if rng.random() < 0.2 else rng.randrange(site.assignable_count)

        chains = {
            "assignee": _chain(core.assignee, kinds.count("assignee"), pick_user),
            "priority": _chain(
                core.priority, kinds.count("priority"), lambda: rng.choice(PRIORITIES)
            ),
            "summary": _chain(
                core.summary, kinds.count("summary"), lambda: rng.choice(OLD_SUMMARIES)
            ),
            "points": _chain(
                core.story_points, kinds.count("points"), lambda: rng.choice((None, 1, 2, 3, 5, 8))
            ),
        }
        # Chains are consumed front to back, in time order.
        return {
            name: list(zip(values, values[1:], strict=False)) for name, values in chains.items()
        }

    def _extra(self, kind: str, chains: dict[str, list]) -> list[dict]:
        rng, site = self.rng, self.site
        if kind == "assignee":
            old, new = chains["assignee"].pop(0)
            return [item("assignee", *self._user(old), *self._user(new))]
        if kind == "priority":
            old, new = chains["priority"].pop(0)
            return [item("priority", *(old or (None, None)), *(new or (None, None)))]
        if kind == "summary":
            old, new = chains["summary"].pop(0)
            return [item("summary", None, old, None, new)]
        if kind == "points":
            old, new = chains["points"].pop(0)
            old_s = "" if old is None else str(old)
            new_s = "" if new is None else str(new)
            field_id, name = site.points_field_of(site.project_of(self.core.idx))
            return [item(name, None, old_s, None, new_s, field_id=field_id, custom=True)]
        if kind == "labels":
            return [
                item("labels", None, "", None, rng.choice(("backend", "customer", "tech-debt")))
            ]
        if kind == "description":
            return [item("description", None, "old text", None, "updated text")]
        if kind == "Flagged":
            return [
                item(
                    "Flagged",
                    None,
                    "",
                    None,
                    "Impediment",
                    field_id="customfield_10021",
                    custom=True,
                )
            ]
        return [self._rank()]

    def _rank(self) -> dict:
        to_string = "Ranked higher" if self.rng.random() < 0.5 else "Ranked lower"
        return item("Rank", "", "", "", to_string, field_id="customfield_10019", custom=True)

    def _user(self, idx: int | None) -> tuple[str | None, str | None]:
        if idx is None:
            return None, None
        user = self.site.users[idx]
        return user.account_id, user.display_name
