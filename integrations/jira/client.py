"""The only place that talks to Jira Cloud: one short method per operation (REST v3, Jira
Software's Agile API, and the private dev-status API), each with its documentation URL.

Requests go through `JiraSession` (session.py): retries, limits, pacing. Ids are
validated before they go into a path; nothing from a response is used as a URL.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from . import paging, shapes
from .errors import JiraBadRequestError, JiraUnavailableError
from .jql import all_of, id_range, in_stable_order
from .session import JiraSession

logger = logging.getLogger(__name__)

_NUMERIC_ID_RE = re.compile(r"[0-9]{1,18}\Z")
_ISSUE_KEY_RE = re.compile(r"[A-Z][A-Z0-9_]{0,254}-[0-9]{1,18}\Z")
_PROJECT_KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}\Z")
_APP_TYPE_RE = re.compile(r"[A-Za-z0-9._-]{1,200}\Z")


def _issue_ref(issue_id: int | str) -> str:
    """A numeric issue id or an issue key (ABC-123); never arbitrary text in a path."""
    if isinstance(issue_id, bool):
        raise ValueError("issue id must be a number or an issue key")
    if isinstance(issue_id, int):
        issue_id = str(issue_id)
    if not isinstance(issue_id, str) or not (
        _NUMERIC_ID_RE.match(issue_id) or _ISSUE_KEY_RE.match(issue_id)
    ):
        raise ValueError("issue id must be a number or an issue key")
    return quote(issue_id, safe="")


def _dig(data: Any, *keys: str) -> Any:
    """data[k1][k2]..., or None where a key is missing or a level is not a dict."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _board_ref(board_id: int) -> str:
    """A board id as Jira gives it (a positive number that fits a bigint); nothing else."""
    if isinstance(board_id, bool) or not isinstance(board_id, int) or not 0 < board_id < 2**63:
        raise ValueError("board id must be a positive number")
    return str(board_id)


def _numeric_id(issue_id: int | str) -> str:
    """dev-status only accepts the numeric id, not the key."""
    ref = _issue_ref(issue_id)
    if not _NUMERIC_ID_RE.match(ref):
        raise ValueError("dev-status needs the numeric issue id, not the key")
    return ref


class JiraClient(JiraSession):
    """A small, thread-safe Jira Cloud client. One instance per connection and sync run."""

    # -- identity and metadata ---------------------------------------------------

    def myself(self) -> dict:
        """GET /rest/api/3/myself: the cheapest credential check; store `timeZone`.

        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/
        """
        return self._get_json("/rest/api/3/myself")

    def server_info(self) -> dict:
        """GET /rest/api/3/serverInfo (no auth needed; proves the host runs Jira Cloud).

        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-server-info/
        """
        return self._get_json("/rest/api/3/serverInfo")

    def search_projects(self, keys: list[str] | None = None) -> list[dict]:
        """GET /rest/api/3/project/search?keys=..: project dicts the account can browse.

        Invisible projects are silently left out, so callers compare keys asked vs returned.
        `keys` is repeatable up to 50 per call, maxResults at most 100.
        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-projects/#api-rest-api-3-project-search-get
        """
        path = "/rest/api/3/project/search"
        if keys is None:
            return list(
                self._iter_offset_pages(
                    path, [], "values", cap=paging.MAX_PROJECTS, what="projects"
                )
            )
        unique: list[str] = []
        for key in keys:
            if not isinstance(key, str) or not _PROJECT_KEY_RE.match(key):
                raise ValueError("project keys are letters, digits and underscores")
            if key not in unique:
                unique.append(key)
        projects: list[dict] = []
        for i in range(0, len(unique), 50):
            params = [("keys", k) for k in unique[i : i + 50]]
            projects.extend(
                self._iter_offset_pages(
                    path, params, "values", cap=paging.MAX_PROJECTS, what="projects"
                )
            )
        return projects

    def fields(self) -> list[dict]:
        """GET /rest/api/3/field: all fields, to find story points and Development by name.

        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-fields/
        """
        return self._get_json("/rest/api/3/field", expect=list)

    def statuses(self) -> list[dict]:
        """GET /rest/api/3/status: every status with its statusCategory.

        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-workflow-statuses/
        """
        return self._get_json("/rest/api/3/status", expect=list)

    def resolutions(self) -> list[dict]:
        """GET /rest/api/3/resolution/search: the site's resolutions `{id, name}` (names localised).

        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-resolutions/#api-rest-api-3-resolution-search-get
        """
        path = "/rest/api/3/resolution/search"
        return list(
            self._iter_offset_pages(
                path, [], "values", cap=paging.MAX_RESOLUTIONS, what="resolutions"
            )
        )

    # -- search ------------------------------------------------------------------

    def search_jql(
        self,
        *,
        jql: str,
        fields: list[str],
        expand: str | None = None,
        max_results: int = 100,
        next_page_token: str | None = None,
        reconcile_issues: list[int] | None = None,
    ) -> dict:
        """POST /rest/api/3/search/jql: one page `{issues, nextPageToken?, isLast}`.

        Always send `fields` (the default is id only); `expand` is a comma string even in
        POST; keep jql/fields/reconcileIssues identical on every page.
        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post
        """
        if not isinstance(jql, str) or not jql.strip():
            raise ValueError("JQL must be a bounded, non-empty query")
        if not fields:
            raise ValueError("always request explicit fields")
        body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": max_results}
        if expand:
            body["expand"] = expand
        if next_page_token:
            body["nextPageToken"] = next_page_token
        if reconcile_issues:
            if len(reconcile_issues) > 50:
                raise ValueError("reconcileIssues takes at most 50 ids")
            body["reconcileIssues"] = [int(i) for i in reconcile_issues]
        path = "/rest/api/3/search/jql"
        shape = shapes.search_page_decoder(tuple(fields), changelog="changelog" in (expand or ""))
        return self._expect(self._request("POST", path, json=body, shape=shape), dict, "POST", path)

    def iter_search_pages(
        self,
        *,
        jql: str,
        fields: list[str],
        expand: str | None = None,
        max_results: int = 100,
        reconcile_issues: list[int] | None = None,
        max_issues: int = paging.MAX_SEARCH_ISSUES,
    ) -> Iterator[dict]:
        """Yield each search_jql page, following nextPageToken until absent or isLast.

        Bounded (paging.iter_token_pages): a repeated token, pages of issues already
        read, or more than `max_issues` issues end the loop, recorded in pages_cut_short.
        """
        query = {"jql": jql, "fields": fields, "expand": expand, "max_results": max_results}
        return paging.iter_token_pages(
            lambda token: self.search_jql(
                **query, reconcile_issues=reconcile_issues, next_page_token=token
            ),
            max_issues=max_issues,
            endpoint="POST /rest/api/3/search/jql",
            on_cut_short=self._record_cut_short,
        )

    def iter_search_slices(
        self,
        *,
        clause: str,
        slices: list[tuple[int | None, int | None, int]],
        fields: list[str],
        expand: str | None = None,
        max_results: int = 100,
        max_issues: int = paging.MAX_SEARCH_ISSUES,
    ) -> list[Iterator[dict]]:
        """The pages of `clause` in slices `(low, high, expected)` of issue ids, one page
        iterator per slice, to be read side by side (each with its own nextPageToken).

        `jql.plan_id_slices` makes slices that together hold every issue, each in one:
        nothing is missed, whatever changes while they are read. Each slice is bounded as
        `iter_search_pages` for its `expected` issues; together, by `max_issues`, and an
        issue one slice returned is dropped from the others' pages (paging.SliceTally).
        """
        tally = paging.SliceTally(
            max_issues=max_issues,
            endpoint="POST /rest/api/3/search/jql",
            on_cut_short=self._record_cut_short,
        )
        return [
            tally.pages(
                self.iter_search_pages(
                    jql=in_stable_order(all_of(clause, id_range(low, high))),
                    fields=fields,
                    expand=expand,
                    max_results=max_results,
                    max_issues=paging.search_bound(expected),
                )
            )
            for low, high, expected in slices
        ]

    def approximate_count(self, jql: str) -> int:
        """POST /rest/api/3/search/approximate-count `{"jql"}` -> `{"count"}` (an estimate).

        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-approximate-count-post
        """
        path = "/rest/api/3/search/approximate-count"
        data = self._expect(self._request("POST", path, json={"jql": jql}), dict, "POST", path)
        count = data.get("count")
        if not isinstance(count, int) or isinstance(count, bool):
            raise JiraUnavailableError(
                "Jira sent a count of an unexpected shape.", method="POST", path=path
            )
        return count

    # -- per issue ---------------------------------------------------------------

    def issue_comments(
        self, issue_id: int | str, *, start_at: int = 0, max_results: int = 100
    ) -> dict:
        """GET /rest/api/3/issue/{id}/comment?orderBy=created: one page `{comments, total}`.

        Restricted comments are silently left out; 404 means the issue is invisible.
        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-get
        """
        path = f"/rest/api/3/issue/{_issue_ref(issue_id)}/comment"
        params = [("startAt", start_at), ("maxResults", max_results), ("orderBy", "created")]
        return self._get_json(path, params)

    def iter_issue_comments(self, issue_id: int | str) -> Iterator[dict]:
        """Every comment of an issue, oldest first."""
        path = f"/rest/api/3/issue/{_issue_ref(issue_id)}/comment"
        return self._iter_offset_pages(
            path, [("orderBy", "created")], "comments", cap=paging.MAX_COMMENTS, what="comments"
        )

    def issue_changelog(
        self, issue_id: int | str, *, start_at: int = 0, max_results: int = 100
    ) -> dict:
        """GET /rest/api/3/issue/{id}/changelog: one page `{values, total, isLast}`, oldest first.

        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-changelog-get
        """
        path = f"/rest/api/3/issue/{_issue_ref(issue_id)}/changelog"
        return self._get_json(path, [("startAt", start_at), ("maxResults", max_results)])

    def iter_issue_changelog(self, issue_id: int | str) -> Iterator[dict]:
        """Every changelog history of an issue (the inline one is capped at 40/100)."""
        path = f"/rest/api/3/issue/{_issue_ref(issue_id)}/changelog"
        return self._iter_offset_pages(
            path, [], "values", cap=paging.MAX_CHANGELOG_HISTORIES, what="changelog entries"
        )

    def remote_links(self, issue_id: int | str) -> list[dict]:
        """GET /rest/api/3/issue/{id}/remotelink: linked documents (403 = linking disabled).

        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-remote-links/
        """
        return self._get_json(f"/rest/api/3/issue/{_issue_ref(issue_id)}/remotelink", expect=list)

    def dev_status_summary(self, issue_id: int | str) -> dict:
        """GET /rest/dev-status/latest/issue/summary?issueId= (private API; numeric id only).

        Undocumented; works with basic auth on *.atlassian.net, expect 401 under OAuth.
        """
        return self._get_json(
            "/rest/dev-status/latest/issue/summary", [("issueId", _numeric_id(issue_id))]
        )

    def dev_status_instance_types(self, issue_id: int | str) -> list[str]:
        """The application types that hold PRs for an issue, from the dev-status summary.

        Only needed when the issue's Development field doesn't list them (real values do).
        """
        summary = self.dev_status_summary(issue_id)
        # dev-status is undocumented: tolerate any shape rather than crash the sync.
        by_type = _dig(summary, "summary", "pullrequest", "byInstanceType")
        return [key for key in by_type if isinstance(key, str)] if isinstance(by_type, dict) else []

    def dev_status_pull_requests(self, issue_id: int | str, application_type: str) -> list[dict]:
        """The PRs one application type (a `byInstanceType` key) links to an issue.

        GET /rest/dev-status/latest/issue/detail?issueId=&applicationType=&dataType=pullrequest
        Sites on the current GitHub app list the same PRs under two types: callers
        de-duplicate by URL.
        """
        if not isinstance(application_type, str) or not _APP_TYPE_RE.match(application_type):
            raise ValueError("unexpected dev-status application type")
        params = [
            ("issueId", _numeric_id(issue_id)),
            ("applicationType", application_type),
            ("dataType", "pullrequest"),
        ]
        detail = self._get_json("/rest/dev-status/latest/issue/detail", params)
        return [
            pr
            for block in _list(detail.get("detail"))
            for pr in _list(_dig(block, "pullRequests"))
            if isinstance(pr, dict)
        ]

    # -- Agile API ---------------------------------------------------------------

    def board(self, board_id: int) -> dict:
        """GET /rest/agile/1.0/board/{boardId}: `{id, name, type, location?}`.

        OAuth apps need Jira Software's board scope (`read:board-scope:jira-software`): 401
        "scope does not match" without it. 404: the board is gone or the account can't see
        its filter. https://developer.atlassian.com/cloud/jira/software/rest/api-group-board/#api-rest-agile-1-0-board-boardid-get
        """
        return self._get_json(f"/rest/agile/1.0/board/{_board_ref(board_id)}")

    # -- webhooks ----------------------------------------------------------------

    def is_jira_admin(self) -> bool:
        """GET /rest/api/3/mypermissions?permissions=ADMINISTER: may the account register webhooks?

        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-permissions/#api-rest-api-3-mypermissions-get
        """
        data = self._get_json("/rest/api/3/mypermissions", [("permissions", "ADMINISTER")])
        return _dig(data, "permissions", "ADMINISTER", "havePermission") is True

    def register_admin_webhook(
        self, *, name: str, url: str, events: list[str], jql: str, secret: str
    ) -> str:
        """POST /rest/webhooks/1.0/webhook (Jira admins only); returns the new webhook's id.

        Jira signs each delivery's body with `secret` (X-Hub-Signature: sha256=<hex>).
        https://developer.atlassian.com/cloud/jira/platform/webhooks/#registering-a-webhook-via-the-jira-rest-api
        """
        path = "/rest/webhooks/1.0/webhook"
        body = _admin_webhook_body(name=name, url=url, events=events, jql=jql, secret=secret)
        data = self._expect(self._request("POST", path, json=body), dict, "POST", path)
        webhook_id = str(data.get("self", "")).rstrip("/").rsplit("/", 1)[-1]
        if not _NUMERIC_ID_RE.match(webhook_id):
            raise JiraUnavailableError(
                "Jira registered the webhook but sent no id for it.", method="POST", path=path
            )
        return webhook_id

    def update_admin_webhook(
        self, webhook_id: str, *, name: str, url: str, events: list[str], jql: str, secret: str
    ) -> None:
        """PUT /rest/webhooks/1.0/webhook/{id}: new URL, events, filter or secret."""
        path = f"/rest/webhooks/1.0/webhook/{_numeric_id(webhook_id)}"
        body = _admin_webhook_body(name=name, url=url, events=events, jql=jql, secret=secret)
        self._request("PUT", path, json=body)

    def delete_admin_webhook(self, webhook_id: str) -> None:
        """DELETE /rest/webhooks/1.0/webhook/{id}."""
        self._request("DELETE", f"/rest/webhooks/1.0/webhook/{_numeric_id(webhook_id)}")

    def register_dynamic_webhooks(self, *, url: str, events: list[str], jql: str) -> list[int]:
        """POST /rest/api/3/webhook (OAuth apps, scope manage:jira-webhook): the new ids.

        One URL per app; `jqlFilter` takes only a few fields with =, !=, IN and NOT IN.
        Deliveries carry `Authorization: Bearer <JWT>` signed with the app's client secret.
        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-webhooks/#api-rest-api-3-webhook-post
        """
        path = "/rest/api/3/webhook"
        body = {"url": url, "webhooks": [{"events": list(events), "jqlFilter": jql}]}
        data = self._expect(self._request("POST", path, json=body), dict, "POST", path)
        ids, errors = [], []
        for result in _list(data.get("webhookRegistrationResult")):
            created = _dig(result, "createdWebhookId")
            if isinstance(created, int) and not isinstance(created, bool):
                ids.append(created)
            else:
                errors += [str(e) for e in _list(_dig(result, "errors"))]
        if not ids:
            message = "; ".join(errors) or "Jira registered no webhook."
            raise JiraBadRequestError(message[:500], status=400, method="POST", path=path)
        return ids

    def dynamic_webhooks(self) -> list[dict]:
        """GET /rest/api/3/webhook: the app's live dynamic webhooks `{id, jqlFilter, events,
        expirationDate}` (expired ones are gone)."""
        return list(
            self._iter_offset_pages(
                "/rest/api/3/webhook", [], "values", cap=paging.MAX_WEBHOOKS, what="webhooks"
            )
        )

    def refresh_dynamic_webhooks(self, webhook_ids: list[int]) -> str:
        """PUT /rest/api/3/webhook/refresh: another 30 days; returns the new expirationDate.

        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-webhooks/#api-rest-api-3-webhook-refresh-put
        """
        path = "/rest/api/3/webhook/refresh"
        body = {"webhookIds": [int(i) for i in webhook_ids]}
        data = self._expect(self._request("PUT", path, json=body), dict, "PUT", path)
        return str(data.get("expirationDate") or "")

    def delete_dynamic_webhooks(self, webhook_ids: list[int]) -> None:
        """DELETE /rest/api/3/webhook with `{"webhookIds": [...]}`."""
        body = {"webhookIds": [int(i) for i in webhook_ids]}
        self._request("DELETE", "/rest/api/3/webhook", json=body)


def _admin_webhook_body(*, name: str, url: str, events: list[str], jql: str, secret: str) -> dict:
    return {
        "name": name,
        "url": url,
        "events": list(events),
        "filters": {"issue-related-events-section": jql},
        "excludeBody": False,
        "secret": secret,
    }
