"""What the sync reads of a search page, for decoding only that.

A search page is about 11 KB an issue, and much of it is never read: every user object
(creator, reporter, assignee, each comment's author and editor, each changelog entry's
author) carries its `self` URL, avatar URLs and time zone; statuses, issue types,
priorities and projects their URLs, icons and descriptions. Decoding all of it into
Python objects was the largest single cost of a sync's CPU. With the page's shape,
msgspec skips what isn't named here while it decodes, and builds the same plain dicts
and lists for the rest, so the mapping code reads them as it reads any page.

Only containers are typed; every value read is `Any`, so a number where a string was
expected still decodes and the mapping's own checks decide. A page that doesn't fit the
shape at all (a string where an object belongs) raises msgspec's ValidationError, a
ValueError: `transport.parse_json` then decodes it whole, and the mapping reads it
defensively as before.
"""

import functools
from typing import Any, TypedDict

import msgspec


class _User(TypedDict, total=False):
    accountId: Any
    displayName: Any
    emailAddress: Any
    active: Any
    accountType: Any


class _Category(TypedDict, total=False):
    key: Any


class _Status(TypedDict, total=False):
    id: Any
    name: Any
    statusCategory: _Category | None


class _Named(TypedDict, total=False):
    id: Any
    name: Any


class _IssueType(TypedDict, total=False):
    name: Any
    hierarchyLevel: Any
    subtask: Any


class _Keyed(TypedDict, total=False):
    key: Any


class _Comment(TypedDict, total=False):
    id: Any
    author: _User | None
    body: Any  # ADF, read whole for its text and links
    created: Any
    updated: Any


class _Comments(TypedDict, total=False):
    comments: list[_Comment]
    total: Any
    startAt: Any
    maxResults: Any


# "from" is a keyword: the functional form.
_ChangeItem = TypedDict(
    "ChangeItem",
    {"field": Any, "fieldId": Any, "from": Any, "fromString": Any, "to": Any, "toString": Any},
    total=False,
)


class _History(TypedDict, total=False):
    id: Any
    created: Any
    author: _User | None
    items: list[_ChangeItem]


class _Changelog(TypedDict, total=False):
    histories: list[_History]
    total: Any
    startAt: Any
    maxResults: Any


# The shape of each field the sync asks for by name; any other field asked for (the
# site's estimation, Development and Sprint fields) is decoded whole.
FIELD_SHAPES: dict[str, Any] = {
    "status": _Status | None,
    "issuetype": _IssueType | None,
    "priority": _Named | None,
    "creator": _User | None,
    "reporter": _User | None,
    "assignee": _User | None,
    "resolution": _Named | None,
    "components": list[_Named] | None,
    "parent": _Keyed | None,
    "project": _Keyed | None,
    "comment": _Comments | None,
}


@functools.lru_cache(maxsize=16)
def search_page_decoder(fields: tuple[str, ...], changelog: bool) -> msgspec.json.Decoder:
    """A decoder of search pages asked for `fields` (with the changelog expanded or not)."""
    field_types = TypedDict(
        "Fields", {name: FIELD_SHAPES.get(name, Any) for name in fields}, total=False
    )
    issue = {"id": Any, "key": Any, "fields": field_types}
    if changelog:
        issue["changelog"] = _Changelog
    issue_type = TypedDict("Issue", issue, total=False)  # noqa: UP013 - keys known at run time

    class SearchPage(TypedDict, total=False):
        issues: list[issue_type]
        nextPageToken: Any
        isLast: Any

    return msgspec.json.Decoder(SearchPage)
