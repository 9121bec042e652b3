"""Enhanced search (``/rest/api/3/search/jql``) and approximate count.

Paging is by cursor: the opaque ``nextPageToken`` carries the sort key of the last issue
served plus a digest of the query, so pages stay stable while issues are edited, moved or
deleted between requests (only a changed sort value moves an issue, as with ORDER BY updated).
A token presented with a different JQL or field list is rejected with a 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from bisect import bisect_right
from dataclasses import dataclass

from . import jql
from .constants import FIRST_ISSUE_ID, MSG_BAD_PAYLOAD
from .encoding import Fragment
from .render import INLINE_HISTORIES_SEARCH, FieldSelection, issue_json

DEFAULT_MAX_RESULTS = 50
MAX_PAGE_FIELDS = 100  # with fields beyond id/key (fact sheet section 3)
MAX_PAGE_IDS = 5000  # with only id/key
SEARCH_CACHE_SIZE = 64
DEFAULT_ORDER = [("created", False)]


class BadRequest(ValueError):
    def __init__(self, *messages: str):
        super().__init__(messages[0])
        self.messages = list(messages)


@dataclass
class SearchRequest:
    jql: str
    fields: list[str] | None
    expand: str
    max_results: int
    next_page_token: str | None


def request_from_query(params: dict[str, list[str]]) -> SearchRequest:
    """GET form: ``fields`` is a comma list (and may repeat); ``expand`` a comma string."""
    fields = [f for value in params.get("fields", []) for f in value.split(",") if f.strip()]
    return SearchRequest(
        jql=params.get("jql", [""])[0],
        fields=fields or None,
        expand=",".join(params.get("expand", [])),
        max_results=_int(params.get("maxResults", [None])[0]),
        next_page_token=params.get("nextPageToken", [None])[0] or None,
    )


def request_from_body(body) -> SearchRequest:
    """POST form: ``fields`` must be an array, ``expand`` a string (Jira rejects the others)."""
    if not isinstance(body, dict):
        raise BadRequest(MSG_BAD_PAYLOAD)
    fields, expand = body.get("fields"), body.get("expand", "")
    jql_text, token = body.get("jql", ""), body.get("nextPageToken")
    if fields is not None and not (
        isinstance(fields, list) and all(isinstance(f, str) for f in fields)
    ):
        raise BadRequest(MSG_BAD_PAYLOAD)
    if not isinstance(expand, str | None) or not isinstance(jql_text, str | None):
        raise BadRequest(MSG_BAD_PAYLOAD)
    if token is not None and not isinstance(token, str):
        raise BadRequest(MSG_BAD_PAYLOAD)
    return SearchRequest(jql_text or "", fields, expand or "", _int(body.get("maxResults")), token)


def _int(value) -> int:
    if value is None:
        return DEFAULT_MAX_RESULTS
    if isinstance(value, bool):
        raise BadRequest(MSG_BAD_PAYLOAD)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(MSG_BAD_PAYLOAD) from None


def _parse(site, text: str, account) -> jql.Query:
    try:
        return jql.parse(text, tz_name=account.time_zone, now_ms=site.clock())
    except jql.JqlError as exc:
        raise BadRequest(*exc.messages) from None


def _project_indexes(site, query: jql.Query, visible: frozenset[str]) -> set[int]:
    allowed = {site.project_by_key[k].index for k in visible}
    by_id = {p.id: p for p in site.projects}
    for values in query.projects:
        clause = set()
        for value in values:
            project = site.project_by_key.get(value.upper()) or by_id.get(value)
            if project is None or project.key not in visible:
                # Jira hides whether the project is missing or forbidden (fact sheet section 2).
                raise BadRequest(f"The value '{value}' does not exist for the field 'project'.")
            clause.add(project.index)
        allowed &= clause
    return allowed


def _candidates(site, query: jql.Query) -> range | list[int]:
    sk = site.skeleton
    if not query.issues:
        return range(len(sk.created))
    chosen: set[int] | None = None
    for values in query.issues:
        found = set()
        for value in values:
            try:
                found.add(site.resolve(value))
            except LookupError:
                continue  # lenient: an unknown id or key simply matches nothing
        chosen = found if chosen is None else chosen & found
    return sorted(chosen or ())


def _sort_key_fn(site, order: list[tuple[str, bool]]):
    sk = site.skeleton
    rank = {p.index: r for r, p in enumerate(sorted(site.projects, key=lambda p: p.key))}
    getters = {
        "created": lambda i: (sk.created[i],),
        "updated": lambda i: (sk.updated[i],),
        "id": lambda i: (i,),
        "key": lambda i: (rank[sk.project[i]], sk.number[i]),
    }
    parts = [(getters[name], 1 if ascending else -1) for name, ascending in order]
    if not any(name == "id" for name, _ in order):
        parts.append((getters["id"], 1))  # a total order, so a cursor is unambiguous

    def key(i: int) -> tuple:
        return tuple(sign * v for getter, sign in parts for v in getter(i))

    return key


def matching(site, query: jql.Query, visible: frozenset[str]) -> tuple[list[tuple], list[int]]:
    """Sort keys and indexes of the issues matching ``query``, cached per site version."""
    order = query.order or DEFAULT_ORDER
    cache_key = (site.version, visible, query.cache_key(), tuple(order))
    with site.lock:
        hit = site.search_cache.get(cache_key)
        if hit is not None:
            site.search_cache.move_to_end(cache_key)
            return hit
        sk = site.skeleton
        allowed = _project_indexes(site, query, visible)
        deleted, project = sk.deleted, sk.project
        found = [i for i in _candidates(site, query) if not deleted[i] and project[i] in allowed]
        for field, op, value in query.ranges:
            column = sk.created if field == "created" else sk.updated
            found = _filter(found, column, op, value)
        for op, value in query.id_ranges:
            # An issue's id is FIRST_ISSUE_ID + its index: compare indexes.
            found = _filter(found, range(len(sk.created)), op, value - FIRST_ISSUE_ID)
        key = _sort_key_fn(site, order)
        pairs = sorted((key(i), i) for i in found)
        result = ([k for k, _ in pairs], [i for _, i in pairs])
        site.search_cache[cache_key] = result
        if len(site.search_cache) > SEARCH_CACHE_SIZE:
            site.search_cache.popitem(last=False)
        return result


def _filter(found: list[int], column: list[int], op: str, value: int) -> list[int]:
    if op == ">=":
        return [i for i in found if column[i] >= value]
    if op == ">":
        return [i for i in found if column[i] > value]
    if op == "<=":
        return [i for i in found if column[i] <= value]
    return [i for i in found if column[i] < value]


def _digest(req: SearchRequest, selection: FieldSelection) -> str:
    text = f"{req.jql}\x00{selection.digest_text()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_token(digest: str, cursor: tuple) -> str:
    raw = json.dumps({"q": digest, "after": list(cursor)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, digest: str) -> tuple:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor = tuple(int(v) for v in data["after"])
        matches = data["q"] == digest
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise BadRequest("The provided next page token is invalid or expired.") from None
    if not matches:
        raise BadRequest(
            "The next page token does not match the query: keep jql and fields unchanged."
        )
    return cursor


def search_page(site, account, req: SearchRequest, *, base: str, fragments: bool = False) -> dict:
    """One page; with ``fragments`` its issues are ``orjson.Fragment``s, encoded JSON kept
    between requests while the site is unchanged (``site.encoded_issues``)."""
    if req.max_results < 0:
        raise BadRequest("The value of 'maxResults' must be greater than or equal to 0.")
    selection = FieldSelection(req.fields)
    expand = {e.strip() for e in req.expand.split(",") if e.strip()}
    changelog = INLINE_HISTORIES_SEARCH if "changelog" in expand else 0
    cap = MAX_PAGE_IDS if selection.id_only and not changelog else MAX_PAGE_FIELDS
    limit = max(1, min(req.max_results, cap))
    query = _parse(site, req.jql, account)
    digest = _digest(req, selection)
    keys, indexes = matching(site, query, site.visible_keys(account.email))
    start = 0
    if req.next_page_token:
        start = bisect_right(keys, decode_token(req.next_page_token, digest))
    page = indexes[start : start + limit]
    with site.lock:
        if fragments:
            issues = _encoded_issues(site, page, selection, base, changelog)
        else:
            issues = [issue_json(site, i, selection, base=base, changelog=changelog) for i in page]
    is_last = start + limit >= len(indexes)
    body: dict = {"issues": issues}
    if not is_last:
        body["nextPageToken"] = encode_token(digest, keys[start + limit - 1])
    body["isLast"] = is_last
    return body


def _encoded_issues(site, page, selection: FieldSelection, base: str, changelog: int) -> list:
    cache, version, asked = site.encoded_issues, site.version, selection.digest_text()
    return [
        Fragment(
            cache.get(
                version,
                (i, asked, changelog, base),
                lambda i=i: issue_json(site, i, selection, base=base, changelog=changelog),
            )
        )
        for i in page
    ]


def approximate_count(site, account, body) -> dict:
    if not isinstance(body, dict) or not isinstance(body.get("jql", ""), str):
        raise BadRequest(MSG_BAD_PAYLOAD)
    query = _parse(site, body.get("jql") or "", account)
    _, indexes = matching(site, query, site.visible_keys(account.email))
    return {"count": len(indexes)}
