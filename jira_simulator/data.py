"""One simulated Jira Cloud site: its projects, people, issues and who may see what.

Site data is a pure function of (simulator seed, subdomain): the same seed always gives the
same site, in any process. Issues are generated lazily: the skeleton (dates, project, key,
type) is built on first use, each issue's details on first request, cached in an LRU.
Issues touched by a mutation are pinned ("materialized") so their changes persist.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from . import mutations, sprint_report, truth
from .constants import (
    DAY_MS,
    DEMO_EMAIL,
    ESTIMATE_FIELD,
    FIRST_ISSUE_ID,
    ISSUE_DAYS,
    LIMITED_EMAIL,
    PILOT_DAYS,
    STORY_POINTS_FIELD,
    YOUNG_HISTORY_DAYS,
    YOUNG_SITE_PREFIXES,
    project_name,
)
from .encoding import EncodedIssues
from .generate import build_skeleton, generate_core
from .people import build_users
from .records import IssueCore, Skeleton
from .seeding import derive_seed, stable_uuid
from .sprints import SprintDef, build_sprints

CORE_CACHE_SIZE = 20_000
COMPONENT_NAMES = ("API", "Web", "Billing", "Auth", "Search", "Infra", "Mobile", "Data")


@dataclass(frozen=True)
class Project:
    index: int
    id: str
    key: str
    name: str
    components: list[tuple[str, str]]  # (id, name)


class UnknownIssue(LookupError):
    """No such issue, or the account may not see it (Jira does not say which)."""


class Site:
    def __init__(
        self,
        *,
        seed: int,
        subdomain: str,
        issue_count: int,
        project_keys: Iterable[str],
        now_ms: int,
        clock,
    ):
        self.seed = seed
        self.subdomain = subdomain
        self.issue_count = issue_count
        self.now_ms = now_ms
        self.clock = clock  # callable -> epoch ms, the wall clock used for mutations
        self.lock = threading.RLock()
        self.version = 0  # bumped by every mutation; search caches key on it, as do rendered issues
        site_seed = derive_seed(seed, subdomain, "site")
        self.site_seed = site_seed
        rng = random.Random(site_seed)
        self.cloud_id = stable_uuid(seed, subdomain, "cloud")
        # A workflow migration some months ago replaced the built-in statuses (fact sheet
        # section 10): done issues still done then were moved Resolved/Closed -> Done.
        self.migration_ms = now_ms - rng.randint(60, 110) * DAY_MS
        self.legacy = subdomain.startswith("legacy")
        self.github_org = f"{subdomain}-eng"
        self.dev_instances = rng.choice(
            (("GitHub",), ("oAuth-com.github.integration.production",))
            + (("GitHub", "oAuth-com.github.integration.production"),) * 2
        )
        self.projects: list[Project] = []
        for i, key in enumerate(project_keys):
            names = rng.sample(COMPONENT_NAMES, rng.randint(3, 5))
            comps = [(str(10_000 + i * 10 + j), name) for j, name in enumerate(names)]
            self.projects.append(Project(i, str(10_000 + i), key, project_name(key), comps))
        self.project_by_key = {p.key: p for p in self.projects}
        # Scrum boards' sprints by id (sprints.py); mutations close and start them.
        # A young site's issues (and sprints) start later (constants.YOUNG_SITE_PREFIXES).
        self.young = subdomain.startswith(YOUNG_SITE_PREFIXES)
        self.history_days = YOUNG_HISTORY_DAYS if self.young else ISSUE_DAYS
        self.sprints: dict[int, SprintDef] = build_sprints(
            seed, subdomain, self.projects, now_ms, history_days=self.history_days
        )
        self.users = build_users(seed, subdomain)
        self.assignable_count = len(self.users) - 3
        self.former_user, self.app_user, self.git_app_user = range(
            len(self.users) - 3, len(self.users)
        )
        self.user_refs = [u.as_json() for u in self.users]
        all_keys = frozenset(self.project_by_key)
        first = frozenset([self.projects[0].key]) if self.projects else frozenset()
        self.access: dict[str, frozenset[str]] = {DEMO_EMAIL: all_keys, LIMITED_EMAIL: first}
        self._skeleton: Skeleton | None = None
        self._keys: dict[str, int] = {}
        self._cores: OrderedDict[int, IssueCore] = OrderedDict()
        self.materialized: dict[int, IssueCore] = {}
        self.next_number: list[int] = []
        self.next_comment_id = 900_000_000
        self.next_history_id = 900_000_000
        self.next_link_id = 900_000_000
        self.search_cache: OrderedDict[tuple, list] = OrderedDict()
        self.encoded_issues = EncodedIssues()  # search pages' issues, while version holds

    # -- structure -----------------------------------------------------------------------------
    @property
    def skeleton(self) -> Skeleton:
        if self._skeleton is None:
            with self.lock:
                if self._skeleton is None:
                    self._build()
        return self._skeleton  # type: ignore[return-value]

    def _build(self) -> None:
        seed = derive_seed(self.seed, self.subdomain, "skeleton")
        sk = build_skeleton(
            seed,
            self.issue_count,
            self.now_ms,
            len(self.projects),
            history_days=self.history_days,
            pilot_days=PILOT_DAYS if self.young else 0,
        )
        self.next_number = [0] * len(self.projects)
        for idx in range(len(sk.created)):
            key = f"{self.projects[sk.project[idx]].key}-{sk.number[idx]}"
            self._keys[key] = idx
            self.next_number[sk.project[idx]] = max(
                self.next_number[sk.project[idx]], sk.number[idx]
            )
        self._skeleton = sk

    def user_json(self, idx: int | None) -> dict | None:
        return None if idx is None else self.user_refs[idx]

    def issue_id(self, idx: int) -> str:
        return str(FIRST_ISSUE_ID + idx)

    @staticmethod
    def points_field_of(project: Project) -> tuple[str, str]:
        """(id, name) of the estimation field a project uses: team-managed (odd) projects
        use Jira Software's "Story point estimate", the others "Story Points"."""
        return ESTIMATE_FIELD if project.index % 2 == 1 else STORY_POINTS_FIELD

    def project_of(self, idx: int) -> Project:
        return self.projects[self.skeleton.project[idx]]

    def key_of(self, idx: int) -> str:
        sk = self.skeleton
        return f"{self.projects[sk.project[idx]].key}-{sk.number[idx]}"

    def core(self, idx: int) -> IssueCore:
        pinned = self.materialized.get(idx)
        if pinned is not None:
            return pinned
        with self.lock:
            cached = self._cores.get(idx)
            if cached is not None:
                self._cores.move_to_end(idx)
                return cached
        core = generate_core(self, idx)
        with self.lock:
            self._cores[idx] = core
            if len(self._cores) > CORE_CACHE_SIZE:
                self._cores.popitem(last=False)
        return core

    def materialize(self, idx: int) -> IssueCore:
        with self.lock:
            core = self.core(idx)
            self.materialized[idx] = core
            self._cores.pop(idx, None)
            return core

    # -- access --------------------------------------------------------------------------------
    def visible_keys(self, email: str) -> frozenset[str]:
        return self.access.get(email.lower(), frozenset())

    def set_project_access(self, email: str, keys: Iterable[str]) -> None:
        keys = frozenset(keys)
        unknown = keys - set(self.project_by_key)
        if unknown:
            raise ValueError(f"unknown project keys: {sorted(unknown)}")
        with self.lock:
            self.access[email.lower()] = keys
            self.version += 1

    def resolve(self, id_or_key: str | int, email: str | None = None) -> int:
        """Index of a live issue by numeric id or key (old keys of moved issues still work)."""
        with self.lock:
            return self._resolve(str(id_or_key).strip().upper(), email)

    def _resolve(self, text: str, email: str | None) -> int:
        sk = self.skeleton
        idx = (
            int(text) - FIRST_ISSUE_ID
            if text.isascii() and text.isdigit()
            else self._keys.get(text, -1)
        )
        if not 0 <= idx < len(sk.created) or sk.deleted[idx]:
            raise UnknownIssue(text)
        if email is not None and self.project_of(idx).key not in self.visible_keys(email):
            raise UnknownIssue(text)
        return idx

    def live_indexes(self, project_keys: Iterable[str] | None = None) -> list[int]:
        sk = self.skeleton
        wanted = None
        if project_keys is not None:
            wanted = {
                self.project_by_key[k].index for k in project_keys if k in self.project_by_key
            }
        return [
            i
            for i in range(len(sk.created))
            if not sk.deleted[i] and (wanted is None or sk.project[i] in wanted)
        ]

    def register_key(self, key: str, idx: int) -> None:
        self._keys[key] = idx

    # -- mutations (thread-safe; see mutations.py) -----------------------------------------------
    def update_issue(self, issue_id, updated=None, **changes) -> dict:
        return mutations.update_issue(self, issue_id, updated=updated, **changes)

    def move_issue(self, issue_id, new_project_key: str, updated=None) -> str:
        return mutations.move_issue(self, issue_id, new_project_key, updated=updated)

    def delete_issue(self, issue_id) -> list[str]:
        return mutations.delete_issue(self, issue_id)

    def create_issue(self, project_key: str | None = None, **fields) -> str:
        return mutations.create_issue(self, project_key, **fields)

    def add_comment(self, issue_id, text: str | None = None, author: str | None = None) -> str:
        return mutations.add_comment(self, issue_id, text=text, author=author)

    def complete_sprint(self, sprint_id: int, *, move_to: int | None = None, at=None) -> list[str]:
        return mutations.complete_sprint(self, sprint_id, move_to=move_to, at=at)

    def start_sprint(self, sprint_id: int, *, at=None) -> None:
        mutations.start_sprint(self, sprint_id, at=at)

    def add_remote_link(self, issue_id, url: str, title: str = "Linked page", history=True) -> int:
        return mutations.add_remote_link(self, issue_id, url=url, title=title, history=history)

    def mutate(self, rng_seed: int, count: int) -> list[dict]:
        return mutations.mutate(self, rng_seed, count)

    def truth(self, email: str | None = None) -> dict[str, dict]:
        """id -> summary of every live issue (visible to ``email`` when given)."""
        return truth.truth(self, email)

    def board_truth(self) -> dict[int, dict]:
        """Jira board id -> the board as the Agile API shows it."""
        return truth.board_truth(self)

    def sprint_truth(self) -> dict[int, dict]:
        """Jira sprint id -> the sprint as issues' Sprint fields show it."""
        return truth.sprint_truth(self)

    def sprint_report(self) -> dict[int, dict]:
        """Jira sprint id -> its numbers by Jira's sprint-report rules, for every started sprint."""
        return sprint_report.sprint_report(self)
