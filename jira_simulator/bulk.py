"""Bulk companions of search: ``issue/bulkfetch`` and ``changelog/bulkfetch`` (fact sheet 3, 5)."""

from __future__ import annotations

import base64
import json

from . import search
from .constants import MSG_BAD_PAYLOAD
from .data import UnknownIssue
from .render import INLINE_HISTORIES_SEARCH, FieldSelection, history_json, issue_json

MAX_BULK_ISSUES = 100
MAX_CHANGELOG_ISSUES = 1000
MAX_CHANGELOG_RESULTS = 10_000


def _refs(body, limit: int) -> list[str]:
    refs = body.get("issueIdsOrKeys") if isinstance(body, dict) else None
    if not isinstance(refs, list) or not refs or len(refs) > limit:
        raise search.BadRequest(f"'issueIdsOrKeys' must list between 1 and {limit} issues.")
    return [str(r) for r in refs]


def _visible(req, refs: list[str]) -> tuple[list[int], list[str]]:
    found, missing = [], []
    for ref in refs:
        try:
            found.append(req.site.resolve(ref, req.account.email))
        except UnknownIssue:
            missing.append(ref)
    return found, missing


def issue_bulkfetch(req) -> dict:
    body = req.json()
    refs = _refs(body, MAX_BULK_ISSUES)
    fields = body.get("fields")
    if fields is not None and not isinstance(fields, list):
        raise search.BadRequest(MSG_BAD_PAYLOAD)
    selection = FieldSelection(fields or None, default="*navigable")
    expand = body.get("expand") or []
    changelog = INLINE_HISTORIES_SEARCH if "changelog" in expand else 0
    found, _missing = _visible(req, refs)
    with req.site.lock:
        issues = [
            issue_json(req.site, i, selection, base=req.base, changelog=changelog) for i in found
        ]
    # Missing or forbidden issues are simply absent (fact sheet section 3).
    return {"issues": issues, "issueErrors": []}


def changelog_bulkfetch(req) -> dict:
    body = req.json()
    refs = _refs(body, MAX_CHANGELOG_ISSUES)
    field_ids = body.get("fieldIds") or None
    limit = body.get("maxResults", 1000)
    if not isinstance(limit, int) or limit < 1:
        raise search.BadRequest(MSG_BAD_PAYLOAD)
    limit = min(limit, MAX_CHANGELOG_RESULTS)
    offset = _decode(body.get("nextPageToken"))
    found, _missing = _visible(req, refs)
    site = req.site
    logs, served, skipped = [], 0, 0
    with site.lock:
        for idx in found:
            core = site.core(idx)
            histories = []
            for history in core.histories:
                items = [
                    i for i in history.items if field_ids is None or i.get("fieldId") in field_ids
                ]
                if not items:
                    continue
                if skipped < offset:
                    skipped += 1
                    continue
                if served == limit:
                    break
                entry = history_json(site, core, history)
                entry["items"] = items
                histories.append(entry)
                served += 1
            if histories:
                logs.append({"issueId": site.issue_id(idx), "changeHistories": histories})
            if served == limit:
                break
    result: dict = {"issueChangeLogs": logs}
    if served == limit and _has_more(site, found, field_ids, offset + served):
        result["nextPageToken"] = _encode(offset + served)
    return result


def _has_more(site, found: list[int], field_ids, consumed: int) -> bool:
    total = 0
    for idx in found:
        for history in site.core(idx).histories:
            if field_ids is None or any(i.get("fieldId") in field_ids for i in history.items):
                total += 1
                if total > consumed:
                    return True
    return False


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _decode(token) -> int:
    if token is None:
        return 0
    try:
        padded = str(token) + "=" * (-len(str(token)) % 4)
        return int(json.loads(base64.urlsafe_b64decode(padded.encode()))["o"])
    except (ValueError, KeyError, TypeError):
        raise search.BadRequest("The provided next page token is invalid or expired.") from None
