"""The JQL the app sends Jira, built in one place.

A value that is a JQL reserved word (a project key such as ``BY`` or ``IF``) or holds
anything but letters, digits and underscores must be quoted, or Jira refuses the whole
query ("Restricted words and characters" in
https://support.atlassian.com/jira-software-cloud/docs/use-advanced-search-with-jira-query-language-jql/);
ordinary keys stay bare, as an admin would type them in a webhook's filter. Times are
epoch milliseconds, absolute instants: a date literal would be read in the Jira user's
time zone (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/).
"""

import re
from collections.abc import Iterable
from datetime import datetime

# A stable order: pages of a search never skip or repeat an issue between requests.
STABLE_ORDER = "ORDER BY created ASC, key ASC"

_BARE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
RESERVED_WORDS = frozenset({
    "a", "an", "abort", "access", "add", "after", "alias", "all", "alter", "and", "any", "are",
    "as", "asc", "at", "audit", "avg", "before", "begin", "between", "boolean", "break", "by",
    "byte", "catch", "cf", "char", "character", "check", "checkpoint", "collate", "collation",
    "column", "commit", "connect", "continue", "count", "create", "current", "date", "decimal",
    "declare", "decrement", "default", "defaults", "define", "delete", "delimiter", "desc",
    "difference", "distinct", "divide", "do", "double", "drop", "else", "empty", "encoding",
    "end", "equals", "escape", "exclusive", "exec", "execute", "exists", "explain", "false",
    "fetch", "file", "field", "first", "float", "for", "from", "function", "go", "goto",
    "grant", "greater", "group", "having", "identified", "if", "immediate", "in", "increment",
    "index", "initial", "inner", "inout", "input", "insert", "int", "integer", "intersect",
    "intersection", "into", "is", "isempty", "isnull", "join", "last", "left", "less", "like",
    "limit", "lock", "long", "max", "min", "minus", "mode", "modify", "modulo", "more",
    "multiply", "next", "noaudit", "not", "notin", "nowait", "null", "number", "object", "of",
    "on", "option", "or", "order", "outer", "output", "power", "previous", "prior",
    "privileges", "public", "raise", "raw", "remainder", "rename", "resource", "return",
    "returns", "revoke", "right", "row", "rowid", "rownum", "rows", "select", "session", "set",
    "share", "size", "sqrt", "start", "strict", "string", "subtract", "sum", "synonym", "table",
    "then", "to", "trans", "transaction", "trigger", "true", "uid", "union", "unique", "update",
    "user", "validate", "values", "view", "when", "whenever", "where", "while", "with"
})  # fmt: skip


def quote(value: str) -> str:
    """`value` as a JQL value: bare when Jira reads it as written, else double-quoted."""
    value = str(value)
    if _BARE.fullmatch(value) and value.lower() not in RESERVED_WORDS:
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def projects_in(keys: Iterable[str]) -> str:
    keys = list(keys)
    if not keys:
        raise ValueError("A project clause needs at least one key.")
    return f"project in ({', '.join(quote(key) for key in keys)})"


def ids_in(issue_ids: Iterable[int]) -> str:
    ids = [str(int(i)) for i in issue_ids]
    if not ids:
        raise ValueError("An id clause needs at least one id.")
    return f"id in ({', '.join(ids)})"


def id_range(low: int | None, high: int | None) -> str:
    """Issues with `low <= id < high` (None: no bound on that side)."""
    return all_of(
        f"id >= {int(low)}" if low is not None else "",
        f"id < {int(high)}" if high is not None else "",
    )


def plan_id_slices(issue_ids: Iterable[int], slices: int) -> list[tuple[int | None, int | None]]:
    """Up to `slices` id ranges `(low, high)` holding about as many of `issue_ids` each.

    The first is open below and the last open above, and each starts where the one
    before ends: together they hold every id there is, each exactly once, whatever was
    created, deleted or moved since `issue_ids` were listed (an issue's id never
    changes). With no ids, one range that holds everything.
    """
    ordered = sorted(set(issue_ids))
    count = max(1, min(slices, len(ordered)))
    bounds = [ordered[len(ordered) * n // count] for n in range(1, count)]
    edges = [None, *dict.fromkeys(bounds), None]
    return list(zip(edges, edges[1:], strict=False))


def updated_since(moment: datetime) -> str:
    return f"updated >= {int(moment.timestamp() * 1000)}"


def all_of(*clauses: str) -> str:
    """The clauses joined with AND; blank ones are left out."""
    return " AND ".join(clause for clause in clauses if clause)


def in_stable_order(clause: str) -> str:
    return f"{clause} {STABLE_ORDER}" if clause else STABLE_ORDER
