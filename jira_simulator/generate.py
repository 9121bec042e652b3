"""Deterministic issue generation.

``build_skeleton`` makes the few numbers every issue needs for searching (created, updated,
project, number, type, parent) in one cheap pass. ``generate_core`` makes the rest of one
issue (people, status history, comments, PRs...) on demand from a per-issue seed, so a
100,000-issue site never has to be built up front.

Every event (history or comment) falls inside ``[created, updated]`` and the latest one is
exactly ``updated``; status histories always lead to the current status.
"""

from __future__ import annotations

import random

from . import content, devinfo
from .constants import (
    DAY_MS,
    DONE,
    IN_PROGRESS,
    IN_REVIEW,
    ISSUE_DAYS,
    PILOT_SHARE,
    PRIORITIES,
    RESOLUTION_WEIGHTS,
    RESOLUTIONS,
    T_BUG,
    T_EPIC,
    T_STORY,
    T_SUBTASK,
    T_TASK,
    TODO,
    TYPE_WEIGHTS,
    StatusDef,
)
from .dates import RENDER_ZONES
from .history import HistoryBuilder, remote_link_item
from .records import Comment, History, IssueCore, Skeleton
from .seeding import derive_seed
from .sprints import plan_sprints

LABELS = (
    "backend", "frontend", "tech-debt", "customer", "security", "perf", "ux", "infra",
    "flaky-test", "mobile",
)  # fmt: skip
STORY_POINTS = (1, 2, 3, 5, 8, 13, 1, 2, 3, 5, 3, 0.5, 2.5, "3", "5", "8")


def build_skeleton(
    seed: int,
    count: int,
    now_ms: int,
    project_count: int,
    *,
    history_days: int = ISSUE_DAYS,
    pilot_days: int = 0,
) -> Skeleton:
    """Issues created over the last ``history_days``; with ``pilot_days``, the first of
    those days make only a trickle of them (a site adopted after a pilot)."""
    rng = random.Random(seed)
    start, end = now_ms - history_days * DAY_MS, now_ms - 3_600_000
    if pilot_days:
        pilot_end = start + pilot_days * DAY_MS
        pilot = min(count, max(1, round(count * PILOT_SHARE)))
        created = sorted(
            [start]  # the first issue opens the history
            + [rng.randrange(start, pilot_end) for _ in range(pilot - 1)]
            + [rng.randrange(pilot_end, end) for _ in range(count - pilot)]
        )
    else:
        created = sorted(rng.randrange(start, end) for _ in range(count))
    for i in range(1, count):  # strictly increasing, so created order == id order
        if created[i] <= created[i - 1]:
            created[i] = created[i - 1] + 1
    weights = [rng.uniform(1.0, 2.0) for _ in range(project_count)]
    projects = rng.choices(range(project_count), weights, k=count)
    types = rng.choices(range(len(TYPE_WEIGHTS)), TYPE_WEIGHTS, k=count)
    numbers, parents, updated = [0] * count, [-1] * count, [0] * count
    counters = [0] * project_count
    standard: list[list[int]] = [[] for _ in range(project_count)]
    epics: list[list[int]] = [[] for _ in range(project_count)]
    for i in range(count):
        p = projects[i]
        counters[p] += 1
        numbers[i] = counters[p]
        if types[i] == T_SUBTASK:
            if standard[p]:
                parents[i] = rng.choice(standard[p][-200:])
            else:
                types[i] = T_TASK
        elif types[i] == T_EPIC:
            epics[p].append(i)
        if types[i] in (T_STORY, T_TASK, T_BUG):
            standard[p].append(i)
            if epics[p] and rng.random() < 0.4:
                parents[i] = rng.choice(epics[p][-20:])
        c = created[i]
        if rng.random() < 0.25:
            u = c + rng.randint(60_000, 4 * 3_600_000)
        else:
            u = c + int((now_ms - c) * rng.random())
        updated[i] = min(max(u, c + 60_000), now_ms)
    return Skeleton(
        created, updated, projects, numbers, types, parents, bytearray(count), bytearray(count)
    )


def status_path(rng: random.Random, type_idx: int, age_days: float) -> tuple[list[StatusDef], bool]:
    """The sequence of statuses the issue went through; True when it was created in Done."""
    p_done = min(0.85, 0.15 + age_days / 160) * (0.6 if type_idx == T_EPIC else 1.0)
    if rng.random() < p_done:
        if rng.random() < 0.07:
            return [DONE], True
        path = [TODO, IN_PROGRESS] + ([IN_REVIEW] if rng.random() < 0.6 else []) + [DONE]
        if rng.random() < 0.12:  # reopened, then finished again
            path += [IN_PROGRESS] + ([IN_REVIEW] if rng.random() < 0.5 else []) + [DONE]
        return path, False
    roll = rng.random()
    if roll < 0.05:
        return [TODO, IN_PROGRESS, DONE, IN_PROGRESS], False  # reopened, still open
    if roll < 0.45:
        return ([TODO, IN_PROGRESS, TODO] if rng.random() < 0.15 else [TODO]), False
    if roll < 0.8:
        rework = rng.random() < 0.2
        return [TODO, IN_PROGRESS] + ([IN_REVIEW, IN_PROGRESS] if rework else []), False
    return [TODO, IN_PROGRESS, IN_REVIEW], False


def _event_times(rng: random.Random, low: int, high: int, count: int) -> list[int]:
    # random() arithmetic rather than randint(): several times cheaper, and this runs per event.
    span, draw = high - low, rng.random
    return sorted([low + int(draw() * span) for _ in range(count)])


def _comment_count(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.35:
        return 0
    if roll < 0.8:
        return rng.randint(1, 5)
    if roll < 0.92:
        return rng.randint(6, 20)
    return rng.randint(21, 60)


def generate_core(site, idx: int) -> IssueCore:
    sk = site.skeleton
    rng = random.Random(derive_seed(site.seed, site.subdomain, "issue", idx))
    created, updated, type_idx = sk.created[idx], sk.updated[idx], sk.types[idx]
    fresh = bool(sk.fresh[idx])
    assignable = site.assignable_count
    reporter = rng.randrange(assignable)
    if not fresh and rng.random() < 0.04:
        reporter = site.former_user
    creator = reporter if rng.random() < 0.9 else rng.randrange(assignable)
    is_epic = type_idx == T_EPIC
    summary = content.summary(rng, is_epic)
    priority = None if rng.random() < 0.1 else rng.choices(PRIORITIES, (1, 3, 8, 3, 1))[0]
    labels = sorted(set(rng.sample(LABELS, rng.choice((0, 0, 1, 1, 2, 3)))))
    comps = site.projects[sk.project[idx]].components
    components = rng.sample(comps, rng.choice((0, 1, 1, 2)))
    points = None
    if type_idx in (T_STORY, T_TASK, T_BUG) and rng.random() < 0.6:
        points = rng.choice(STORY_POINTS)
    zone = RENDER_ZONES[rng.randrange(len(RENDER_ZONES))]
    desc_seed = (
        None
        if rng.random() < (0.5 if summary in content.PLACEHOLDER_SUMMARIES else 0.2)
        else rng.getrandbits(62)
    )

    age_days = (site.now_ms - created) / DAY_MS
    if fresh:
        path, created_done = [TODO], False
    else:
        path, created_done = status_path(rng, type_idx, age_days)
    status = path[-1]
    assignee = (
        None if rng.random() < (0.4 if status is TODO else 0.12) else rng.randrange(assignable)
    )
    core = IssueCore(
        idx=idx, summary=summary, status=status, resolution=None, resolution_ms=None,
        status_changed_ms=created, priority=priority, creator=creator, reporter=reporter,
        assignee=assignee, labels=labels, components=components, story_points=points,
        zone=zone, desc_seed=desc_seed,
    )  # fmt: skip
    if created_done:
        core.resolution = rng.choices(RESOLUTIONS, RESOLUTION_WEIGHTS)[0]
        core.resolution_ms = core.completed_ms = created
    if fresh:
        return core

    transitions = list(zip(path, path[1:], strict=False))
    extra = rng.randint(0, 8) if rng.random() < 0.93 else rng.randint(35, 110)
    n_comments = _comment_count(rng)
    low = min(created + 1000, updated)
    history_times = _event_times(rng, low, updated, len(transitions) + extra)
    comment_times = _event_times(rng, low, updated, n_comments)
    if history_times and (not comment_times or history_times[-1] >= comment_times[-1]):
        history_times[-1] = updated
    elif comment_times:
        comment_times[-1] = updated

    builder = HistoryBuilder(site, core, rng, base_id=100_000 + idx * 256)
    builder.build(history_times, transitions)
    builder.migrate_workflow(created, updated, created_done)
    core.histories = builder.histories
    plan_sprints(site, core, idx, created, updated)

    regulars = (reporter, reporter if assignee is None else assignee)
    draw = rng.random
    for i, at in enumerate(comment_times):
        edited = at if draw() < 0.9 else at + int(draw() * (updated - at))
        roll = draw()
        author = regulars[roll < 0.33] if roll < 0.66 else int(draw() * assignable)
        core.comments.append(
            Comment(100_000 + idx * 64 + i, author, at, edited, rng.getrandbits(62))
        )

    key = f"{site.projects[sk.project[idx]].key}-{sk.number[idx]}"
    dev_author = site.users[assignee if assignee is not None else reporter].display_name
    core.prs = devinfo.make_prs(
        rng,
        org=site.github_org,
        instances=site.dev_instances,
        done=status is DONE and not created_done,
        started=any(s is IN_PROGRESS for s in path),
        key=key,
        title=summary,
        author=dev_author.lower().replace(" ", ""),
        window=(low, updated),
    )
    core.links = devinfo.make_links(
        rng, subdomain=site.subdomain, base_id=10_000 + idx * 4, prs=core.prs, title=summary
    )
    _comments_by_integrations(rng, site, core, started=any(s is IN_PROGRESS for s in path))
    _record_links(site, core, idx, low, updated)
    return core


def _comments_by_integrations(rng: random.Random, site, core: IssueCore, *, started: bool) -> None:
    """Turn some comments into what integrations post: GitHub for Jira announcing PRs (some
    of them in no development panel), and Automation for Jira notes."""
    slots = list(range(len(core.comments)))
    rng.shuffle(slots)
    announced = [pr.url for pr in core.prs if rng.random() < 0.3]
    comment_only = None
    if started and rng.random() < 0.2:
        repo = devinfo.REPOS[rng.randrange(len(devinfo.REPOS))]
        comment_only = (
            f"https://github.com/{site.github_org}/{repo}/pull/{rng.randint(10_000, 19_999)}"
        )
        announced.append(comment_only)
    for url in dict.fromkeys(announced):
        if not slots:
            return
        comment = core.comments[slots.pop()]
        comment.author = site.git_app_user if rng.random() < 0.7 else comment.author
        comment.body = content.pr_link_comment(url, rng.choice(content.PR_COMMENT_SHAPES))
        if url == comment_only:
            core.comment_prs.append(url)
    for index in slots:
        if rng.random() < 0.05:
            comment = core.comments[index]
            comment.author = site.app_user
            comment.body = content.plain_comment("Moved by an automation rule.")


def _record_links(site, core: IssueCore, idx: int, low: int, updated: int) -> None:
    """Each link's RemoteIssueLink changelog item, at a time of its own before `updated`."""
    if not core.links:
        return
    # A generator of its own: the links' times don't shift any other generated value.
    rng = random.Random(derive_seed(site.seed, site.subdomain, "links", idx))
    author = core.reporter if core.assignee is None else core.assignee
    for n, link in enumerate(core.links):
        at = low + int(rng.random() * max(0, updated - low - 1))
        item = remote_link_item(link.id, link.title, devinfo.link_application(link))
        core.histories.append(History(100_000 + idx * 256 + 252 + n, author, at, [item]))
    core.histories.sort(key=lambda history: history.created_ms)
