"""Scrum boards, their sprints, and each issue's life in them.

Every project but the first (a Kanban board) has a scrum board running two-week sprints
over the site's 180 days: closed ones, one active now and one planned. Issues of those
projects are planned into the next sprint before it starts, or added to the running one
(sometimes at creation, which leaves no history item); some are taken out mid-sprint;
some done ones are dragged into a later sprint after they were completed;
those unfinished when a sprint closes move on to the next sprint, or back to the backlog,
as Jira records it: the Sprint field keeps every closed sprint, and each change is a
changelog item holding the whole list of sprint ids before and after (fact sheet §10).

Sprint events never come after the issue's ``updated``: a sprint closing after the issue's
last change leaves it where it was, as a forgotten issue would stay.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .constants import DAY_MS, ISSUE_DAYS, SPRINT_FIELD, T_BUG, T_STORY, T_TASK
from .dates import iso_utc
from .history import item
from .records import History
from .seeding import derive_seed

SPRINT_DAYS = 14
HOUR_MS = 3_600_000
# History ids of an issue's sprint changes: after its generated events, before the
# workflow migration's (history.MIGRATION_ID_OFFSET).
SPRINT_ID_OFFSET = 200
SPRINTED_TYPES = (T_STORY, T_TASK, T_BUG)
# The share of done work dragged into a later sprint once completed.
DRAGGED_SHARE = 0.06
GOALS = (
    "Checkout v2 in beta",
    "Cut p95 search latency",
    "Billing exports for finance",
    "Stabilise the mobile release",
    "",
    "",
)


@dataclass
class SprintDef:
    id: int
    board_id: int
    project_index: int
    name: str
    goal: str
    start_ms: int | None
    end_ms: int | None
    complete_ms: int | None
    state: str  # "closed", "active", "future"

    def as_json(self) -> dict:
        data = {"id": self.id, "name": self.name, "state": self.state, "boardId": self.board_id}
        data["goal"] = self.goal
        if self.start_ms is not None:
            data["startDate"] = iso_utc(self.start_ms).replace("+00:00", "Z")
            data["endDate"] = iso_utc(self.end_ms).replace("+00:00", "Z")
        if self.complete_ms is not None:
            data["completeDate"] = iso_utc(self.complete_ms).replace("+00:00", "Z")
        return data

    def close_ms(self) -> int | None:
        return self.complete_ms if self.state == "closed" else None


def board_id_of(project_index: int) -> int | None:
    """The scrum board of a project; the first project runs a Kanban board (no sprints)."""
    return None if project_index == 0 else project_index + 1


def board_of(projects, board_id: int):
    """The project whose board has this id (the first project's is its Kanban board), or None."""
    index = board_id - 1
    return projects[index] if 0 <= index < len(projects) else None


def board_json(project, board_id: int, base: str) -> dict:
    """A board as the Agile API's GET /rest/agile/1.0/board/{boardId} returns it."""
    return {
        "id": board_id,
        "self": f"{base}/rest/agile/1.0/board/{board_id}",
        "name": f"{project.key} board",
        "type": "kanban" if board_id_of(project.index) is None else "scrum",
        "location": {
            "projectId": int(project.id),
            "displayName": f"{project.name} ({project.key})",
            "projectName": project.name,
            "projectKey": project.key,
            "projectTypeKey": "software",
            "name": f"{project.name} ({project.key})",
        },
    }


def build_sprints(
    seed: int, subdomain: str, projects, now_ms: int, *, history_days: int = ISSUE_DAYS
) -> dict[int, SprintDef]:
    """Every sprint of the site by id, board after board, oldest first, from the start of
    its history."""
    sprints: dict[int, SprintDef] = {}
    next_id = 1
    for project in projects:
        board = board_id_of(project.index)
        if board is None:
            continue
        rng = random.Random(derive_seed(seed, subdomain, "sprints", project.key))
        number = rng.randint(1, 30)
        start = now_ms - history_days * DAY_MS + rng.randint(0, 7) * DAY_MS
        while True:
            end = start + SPRINT_DAYS * DAY_MS
            state, complete = "active", None
            if end <= now_ms:
                # Teams close a sprint around its end date: a little before, or the next day.
                complete = min(now_ms, max(start + DAY_MS, end + rng.randint(-6, 20) * HOUR_MS))
                state = "closed"
            goal = rng.choice(GOALS)
            sprints[next_id] = SprintDef(
                next_id, board, project.index, f"{project.key} Sprint {number}", goal,
                start, end, complete, state,
            )  # fmt: skip
            next_id += 1
            number += 1
            if state == "active":
                break
            start = complete + rng.randint(10, 72 * 60) * 60_000
            if start > now_ms:  # closed, and the next one not started yet: none active
                break
        planned = SprintDef(
            next_id, board, project.index, f"{project.key} Sprint {number}", "",
            None, None, None, "future",
        )  # fmt: skip
        sprints[next_id] = planned
        next_id += 1
    return sprints


def _ids_text(site, ids: list[int]) -> tuple[str, str]:
    return ", ".join(map(str, ids)), ", ".join(site.sprints[i].name for i in ids)


def sprint_item(site, before: list[int], after: list[int]) -> dict:
    from_ids, from_names = _ids_text(site, before)
    to_ids, to_names = _ids_text(site, after)
    return item(
        "Sprint", from_ids, from_names, to_ids, to_names, field_id=SPRINT_FIELD[0], custom=True
    )


def move_sprints(site, core, at: int, after: list[int]) -> dict | None:
    """Put the issue in exactly the sprints ``after`` from ``at`` on; returns the changelog
    item Jira records (None when nothing changed)."""
    before = list(core.sprint_ids)
    if before == after:
        return None
    for stay in core.sprint_stays:
        if stay[0] not in after and stay[2] is None:
            stay[2] = at
    for sprint_id in after:
        if sprint_id not in before:
            core.sprint_stays.append([sprint_id, at, None])
    core.sprint_ids = list(after)
    return sprint_item(site, before, after)


class SprintPlanner:
    """One generated issue's sprint membership over time, recorded as Jira records it."""

    def __init__(self, site, core, idx: int, created: int, updated: int):
        self.site, self.core, self.idx = site, core, idx
        self.created, self.updated = created, updated
        self.rng = random.Random(derive_seed(site.seed, site.subdomain, "sprint-plan", idx))
        self.histories: list[History] = []

    @property
    def now(self) -> list[int]:
        return self.core.sprint_ids

    def _change(self, at: int, after: list[int]) -> None:
        created_in = at == self.created and not self.core.sprint_ids
        change = move_sprints(self.site, self.core, at, after)
        if change is None or created_in:
            return  # set at creation: Jira records no history item
        history_id = 100_000 + self.idx * 256 + SPRINT_ID_OFFSET + len(self.histories)
        author = int(self.rng.random() * self.site.assignable_count)
        self.histories.append(History(history_id, author, at, [change]))

    def _next_sprint(self, board_sprints: list[SprintDef], after_ms: int) -> SprintDef | None:
        """The first sprint to start after ``after_ms`` (the planned one if none has)."""
        for sprint in board_sprints:
            if sprint.state == "future" or (sprint.start_ms or 0) > after_ms:
                return sprint
        return None

    def _plan_into(self, sprint: SprintDef, earliest: int) -> bool:
        """Join ``sprint`` some time before it starts (before now for a planned one)."""
        latest = min(sprint.start_ms or self.site.now_ms, self.updated)
        if latest <= earliest:
            return False
        at = earliest + int(self.rng.random() * (latest - earliest))
        completed = self.core.completed_ms
        if completed is not None and completed <= at:
            return False  # done before it would have been planned
        self._change(at, [*self.now, sprint.id])
        return True

    def _running_at(self, board_sprints: list[SprintDef], moment: int) -> SprintDef | None:
        """The sprint running at ``moment``, else the next one to start after it."""
        for sprint in board_sprints:
            if sprint.start_ms is None:
                return sprint  # the planned one
            if moment < (sprint.close_ms() or self.site.now_ms + 1):
                return sprint
        return None

    def _add_mid_sprint(self, sprint: SprintDef) -> bool:
        """Join a started sprint after its start: at creation (no history item) or later."""
        completed = self.core.completed_ms
        earliest = max(self.created, sprint.start_ms)
        latest = min(sprint.close_ms() or self.site.now_ms, self.updated)
        if completed is not None:
            latest = min(latest, completed)
        if latest <= earliest:
            return False
        at = earliest
        if not (self.created >= sprint.start_ms and self.rng.random() < 0.4):
            at += int(self.rng.random() * min(3 * DAY_MS, latest - earliest))
        self._change(at, [*self.now, sprint.id])
        return True

    def plan(self) -> None:
        site, rng = self.site, self.rng
        board = board_id_of(site.project_of(self.idx).index)
        if board is None or site.skeleton.types[self.idx] not in SPRINTED_TYPES:
            return
        completed = self.core.completed_ms
        if rng.random() < (0.15 if completed is not None else 0.45):
            return  # never planned: done from the backlog, or still waiting there
        board_sprints = [s for s in site.sprints.values() if s.board_id == board]
        # The sprint the work is aimed at: the one it was completed in; for open work the
        # one running at its last change or now, or the planned one.
        if completed is not None:
            anchor = completed
        else:
            anchor = self.updated if rng.random() < 0.5 else site.now_ms
        target = self._running_at(board_sprints, anchor)
        if target is None:
            return
        if completed is None and rng.random() < 0.2:
            target = board_sprints[-1]  # planned for the next sprint
        first = target
        index = board_sprints.index(target)
        if index > 0 and rng.random() < 0.25:
            first = board_sprints[index - 1]  # it slipped: planned a sprint earlier
        # Created after the sprint started, or added to it mid-sprint: scope change.
        if first.start_ms is not None and (self.created >= first.start_ms or rng.random() < 0.15):
            joined = self._add_mid_sprint(first)
        else:
            earliest = self.created
            if first.start_ms is not None:
                earliest = max(self.created, first.start_ms - 7 * DAY_MS)
            joined = self._plan_into(first, earliest)
        if joined:
            self._follow(board_sprints, first)

    def _follow(self, board_sprints: list[SprintDef], sprint: SprintDef) -> None:
        """From the sprint it is in: done there, taken out, or carried over at the close."""
        site, rng, completed = self.site, self.rng, self.core.completed_ms
        carried = 0
        while True:
            close = sprint.close_ms()
            window_end = min(close if close is not None else site.now_ms, self.updated)
            started = sprint.start_ms is not None and sprint.start_ms < window_end
            done_here = completed is not None and completed <= (close or site.now_ms)
            if started and rng.random() < 0.08:
                # Taken out mid-sprint, after it joined (and before it was done, if it was).
                joined = max(s[1] for s in self.core.sprint_stays if s[0] == sprint.id)
                earliest = max(sprint.start_ms, joined)
                latest = min(window_end, completed) if done_here else window_end
                if latest > earliest:
                    at = earliest + int(rng.random() * (latest - earliest))
                    self._change(at, [s for s in self.now if s != sprint.id])
                    later = self._next_sprint(board_sprints, at)
                    if later is None or rng.random() < 0.5 or not self._plan_into(later, at):
                        return
                    sprint = later
                    continue
            if done_here or close is None or close > self.updated:
                return  # completed in it, still in it, or left where it was
            later = self._next_sprint(board_sprints, close)
            if later is None:
                return
            # Unfinished work mostly moves on to the next sprint, less so each time.
            if rng.random() < (0.85, 0.6, 0.3)[min(carried, 2)]:
                self._change(close, [*self.now, later.id])
                sprint, carried = later, carried + 1
                continue
            # Back to the backlog (the closed sprint stays in the field); maybe planned again.
            if rng.random() < 0.6 or not self._plan_into(later, close):
                return
            sprint = later

    def drag_done(self) -> None:
        """Now and then done work is dragged into a later sprint after it was completed (a
        board tidied up, a card nobody closed): Jira's sprint report lists it apart, as
        completed outside that sprint. Drawn from a generator of its own, so the rest of
        the site is as it was without it."""
        site, completed = self.site, self.core.completed_ms
        board = board_id_of(site.project_of(self.idx).index)
        if completed is None or board is None:
            return
        if site.skeleton.types[self.idx] not in SPRINTED_TYPES:
            return
        rng = random.Random(derive_seed(site.seed, site.subdomain, "sprint-drag", self.idx))
        if rng.random() >= DRAGGED_SHARE:
            return
        # Only one open sprint at a time: after every sprint it is in has closed.
        closes = [site.sprints[s].close_ms() for s in self.now]
        if None in closes:
            return
        earliest, latest = max([completed, *closes]) + 1, self.updated
        if latest <= earliest:
            return
        at = earliest + int(rng.random() * (latest - earliest))
        board_sprints = [s for s in site.sprints.values() if s.board_id == board]
        later = self._running_at(board_sprints, at)
        if later is not None and later.id not in self.now:
            self._change(at, [*self.now, later.id])


def plan_sprints(site, core, idx: int, created: int, updated: int) -> None:
    """Give a generated issue its sprint history and Sprint field value."""
    planner = SprintPlanner(site, core, idx, created, updated)
    planner.plan()
    planner.drag_done()
    if planner.histories:
        core.histories += planner.histories
        core.histories.sort(key=lambda h: (h.created_ms, h.id))
