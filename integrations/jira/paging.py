"""Paging loops that always end, whatever the server answers.

A hostile or broken server can announce `total: 1000000000` and send the same page
forever, or hand out a fresh `nextPageToken` on every page. Each loop here stops at a
bound instead, says why through `on_cut_short` (the run shows it as a warning), and
keeps what it read up to there:

- offset pages (`startAt`/`maxResults`) stop at the smaller of the reported total and
  a cap derived from what Jira can hold, and when a page adds no item not seen before;
- token pages (`nextPageToken`) remember every token and stop on one seen before (a
  repeat, or two alternating tokens), when pages keep bringing no new issue, and when
  far more issues were read than Jira counted beforehand;
- a search read in slices (disjoint issue id ranges, each paged on its own) holds each
  slice to those bounds and the whole search too (`SliceTally`): an issue one slice
  already returned is dropped from another's page, and all slices stop once they
  together read far more than Jira counted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

# Jira Cloud's own limits per issue (5,000 comments: support.atlassian.com, "issue
# limits"); changelogs have no published limit, so theirs is far above any real issue's.
MAX_COMMENTS = 5_000
MAX_CHANGELOG_HISTORIES = 20_000
MAX_PROJECTS = 10_000
# A site has a few dozen resolutions and an app at most 100 dynamic webhooks (Atlassian's
# limit per app and site); far more means a broken or hostile answer.
MAX_RESOLUTIONS = 1_000
MAX_WEBHOOKS = 1_000
# Search: a count of N issues allows reading this many before the run stops trusting the
# pages (issues created while paging, and the count being an estimate, stay well inside).
SEARCH_SLACK_FACTOR = 2
SEARCH_SLACK_ISSUES = 1_000
# With no count from Jira at all.
MAX_SEARCH_ISSUES = 1_000_000
# Empty pages that still carry a token, in a row, before giving up.
MAX_EMPTY_PAGES = 3

CutShort = Callable[[str], None]


def search_bound(expected: int | None) -> int:
    """How many issues a search may read when Jira counted `expected` beforehand."""
    if expected is None or expected < 0:
        return MAX_SEARCH_ISSUES
    return max(expected * SEARCH_SLACK_FACTOR, expected + SEARCH_SLACK_ISSUES)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _identity(item: Any, position: int) -> Any:
    """An item's Jira id when it has one (comments, histories, projects), else its position."""
    if isinstance(item, dict):
        value = item.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return ("#", position)


def iter_offset_items(
    get_page: Callable[[int, int], dict],
    *,
    items_key: str,
    cap: int,
    what: str,
    endpoint: str,
    on_cut_short: CutShort,
    page_size: int = 100,
) -> Iterator[Any]:
    """Every item of a startAt/maxResults endpoint, each at most once, at most `cap`."""
    start = 0
    seen: set = set()
    while True:
        page = get_page(start, page_size)
        items = _list(page.get(items_key))
        if not items:
            return
        new = []
        for position, item in enumerate(items, start):
            identity = _identity(item, position)
            if identity not in seen:
                seen.add(identity)
                new.append(item)
        if not new:
            on_cut_short(
                f"Stopped reading {what} from {endpoint}: Jira kept sending the same "
                f"{what} (from item {start} on). The {len(seen)} read were kept."
            )
            return
        room = cap - (len(seen) - len(new))
        yield from new[:room]
        start += len(items)
        total = page.get("total")
        if "isLast" in page:
            if page["isLast"]:
                return
        elif not isinstance(total, int) or start >= total:
            return
        if len(seen) >= cap:
            reported = f" of the {total} Jira reported" if isinstance(total, int) else ""
            on_cut_short(
                f"Stopped reading {what} from {endpoint} after {cap}{reported}, "
                f"more than a Jira issue or site holds."
            )
            return


def iter_token_pages(
    get_page: Callable[[str | None], dict],
    *,
    max_issues: int,
    endpoint: str,
    on_cut_short: CutShort,
) -> Iterator[dict]:
    """Each page of a nextPageToken search, until the last one or a bound."""
    tokens: set[str] = set()
    issue_ids: set = set()
    read = 0
    empty_in_a_row = 0
    token: str | None = None
    while True:
        page = get_page(token)
        issues = _list(page.get("issues"))
        read += len(issues)
        before = len(issue_ids)
        issue_ids.update(_identity(issue, read + n) for n, issue in enumerate(issues))
        yield page
        token = page.get("nextPageToken")
        if not token or page.get("isLast") is True:
            return
        why = None
        if not isinstance(token, str) or token in tokens:
            why = "Jira sent a page token it had already sent (the pages went round in a circle)"
        elif issues and len(issue_ids) == before:
            why = "Jira kept sending issues it had already sent"
        elif read > max_issues:
            why = f"Jira sent {read} issues, far more than the {max_issues} expected"
        else:
            empty_in_a_row = 0 if issues else empty_in_a_row + 1
            if empty_in_a_row >= MAX_EMPTY_PAGES:
                why = "Jira kept sending empty pages"
        if why:
            on_cut_short(
                f"Stopped paging {endpoint}: {why}. The {len(issue_ids)} issues read were kept."
            )
            return
        tokens.add(token)


class SliceTally:
    """The issues every slice of one search returned: each once, and not too many in all."""

    def __init__(self, *, max_issues: int, endpoint: str, on_cut_short: CutShort):
        self._max_issues = max_issues
        self._endpoint = endpoint
        self._on_cut_short = on_cut_short
        self._lock = threading.Lock()
        self._seen: set = set()
        self._read = 0
        self._stopped = False

    def pages(self, pages: Iterator[dict]) -> Iterator[dict]:
        """One slice's pages, less the issues another slice already returned."""
        for page in pages:
            issues = _list(page.get("issues"))
            with self._lock:
                if self._stopped:
                    return
                new = []
                for position, issue in enumerate(issues):
                    identity = _identity(issue, (id(pages), self._read + position))
                    if identity not in self._seen:
                        self._seen.add(identity)
                        new.append(issue)
                self._read += len(issues)
                if self._read > self._max_issues:
                    self._stopped = True
                    self._on_cut_short(
                        f"Stopped paging {self._endpoint}: Jira sent {self._read} issues, far "
                        f"more than the {self._max_issues} expected. The {len(self._seen)} "
                        "issues read were kept."
                    )
            yield {**page, "issues": new} if len(new) < len(issues) else page
            if self._stopped:
                return
