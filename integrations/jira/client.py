"""The only place that talks HTTP to Jira Cloud (REST v3 plus the private dev-status API).

Design notes:
- The host is only ever `base_url` (from sites.site_base_url or the OAuth code). Paths
  are built from constants plus validated ids; redirects are never followed, and
  nothing from a response is ever used as a URL.
- Secrets live only inside the session's auth object; no attribute, repr or
  exception text of ours contains them.
- Retries follow https://developer.atlassian.com/cloud/jira/platform/rate-limiting:
  honour Retry-After on 429/503, jittered exponential backoff otherwise, bounded attempts.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from . import paging, transport
from .errors import (
    JiraBadRequestError,
    JiraError,
    JiraRateLimitedError,
    JiraResponseTooLargeError,
    JiraTimeoutError,
    JiraUnavailableError,
    from_response,
)
from .pacing import Permit, SitePacer
from .points import PointsQuota, QuotaSpent, points_of

logger = logging.getLogger(__name__)

USER_AGENT = "pensero-jira-sync/0.1 (+self-hosted)"
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
JITTER = (0.7, 1.3)
# Statuses worth retrying without a Retry-After header (503 also with one).
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

_NUMERIC_ID_RE = re.compile(r"[0-9]{1,18}\Z")
_ISSUE_KEY_RE = re.compile(r"[A-Z][A-Z0-9_]{0,254}-[0-9]{1,18}\Z")
_PROJECT_KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}\Z")
_APP_TYPE_RE = re.compile(r"[A-Za-z0-9._-]{1,200}\Z")
# Paced per endpoint (Jira's burst limits are per endpoint and method), so issue ids go.
_ISSUE_SEGMENT_RE = re.compile(r"/issue/[^/]+")


def _endpoint(method: str, path: str) -> str:
    return f"{method} {_ISSUE_SEGMENT_RE.sub('/issue/{id}', path)}"


class _BasicAuth(HTTPBasicAuth):
    def __repr__(self) -> str:
        return "<basic auth (redacted)>"


class _BearerAuth(AuthBase):
    """A fixed token, or a callable asked before every request (OAuth tokens expire hourly).

    The callable may raise a JiraError (e.g. the grant was revoked): it is handled like
    the response of the request it was meant for.
    """

    def __init__(self, token: str | Callable[[], str]):
        self._token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self._token() if callable(self._token) else self._token
        r.headers["Authorization"] = f"Bearer {token}"
        return r

    def __repr__(self) -> str:
        return "<bearer auth (redacted)>"


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


def _numeric_id(issue_id: int | str) -> str:
    """dev-status only accepts the numeric id, not the key."""
    ref = _issue_ref(issue_id)
    if not _NUMERIC_ID_RE.match(ref):
        raise ValueError("dev-status needs the numeric issue id, not the key")
    return ref


class JiraClient:
    """A small, thread-safe Jira Cloud client. One instance per connection and sync run."""

    def __init__(
        self,
        *,
        base_url: str,
        email: str | None = None,
        api_token: str | None = None,
        access_token: str | Callable[[], str] | None = None,
        limits: transport.Limits | None = None,
        pacer: SitePacer | None = None,
        points: PointsQuota | None = None,
        max_attempts: int = 5,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], None] | None = None,
        session: requests.Session | None = None,
    ):
        parts = urlsplit(base_url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or "@" in parts.netloc
            or parts.query
            or parts.fragment
        ):
            raise ValueError("base_url must be a plain http(s) URL with no credentials or query")
        if access_token and (email or api_token):
            raise ValueError("use either email + API token or an OAuth access token, not both")
        if bool(email) != bool(api_token):
            raise ValueError("email and API token must be given together")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

        self.base_url = base_url.rstrip("/")
        self.limits = limits or transport.Limits()
        # Shared by every client of the site (see pacing.py); a client of its own otherwise.
        self.pacer = pacer or SitePacer()
        self._points = points
        self.max_attempts = max_attempts
        self.max_retry_after = max_retry_after
        # Looked up when the client is made, so tests can replace time.sleep.
        self._sleep = time.sleep if sleep is None else sleep
        self._lock = threading.Lock()
        self._request_count = 0
        self._wait_seconds = 0.0
        self._points_estimate = 0
        self._cut_short: list[str] = []

        if session is None:
            # A connection for every request the site's window may ever allow in flight.
            session = transport.bounded_session(pool_size=max(16, int(self.pacer.ceiling)))
        session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        if access_token:
            session.auth = _BearerAuth(access_token)
            self.auth_kind = "bearer"
        elif api_token:
            session.auth = _BasicAuth(email, api_token)
            self.auth_kind = "basic"
        else:
            # Anonymous: enough for serverInfo; everything else will 401.
            session.auth = None
            self.auth_kind = "anonymous"
        self._session = session

    def __repr__(self) -> str:
        return f"<JiraClient base_url={self.base_url!r} auth={self.auth_kind}>"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> JiraClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def request_count(self) -> int:
        """HTTP attempts made (each retry counts)."""
        with self._lock:
            return self._request_count

    @property
    def wait_seconds(self) -> float:
        """Total seconds slept on Retry-After and backoff."""
        with self._lock:
            return self._wait_seconds

    @property
    def points_estimate(self) -> int:
        """Atlassian's points for the answers so far (1 per call + 1 per object; points.py)."""
        with self._lock:
            return self._points_estimate

    @property
    def pages_cut_short(self) -> list[str]:
        """Why paging loops stopped at a bound (see paging.py), oldest first, each once."""
        with self._lock:
            return list(self._cut_short)

    def _record_cut_short(self, message: str) -> None:
        logger.warning("%s (%s)", message, self.base_url)
        with self._lock:
            if message not in self._cut_short:
                self._cut_short.append(message)

    # -- transport ---------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * random.uniform(*JITTER)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, Any]] | dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Send one logical request with retries; return parsed JSON or raise JiraError."""
        if not path.startswith("/"):
            raise ValueError("path must be absolute; the host is always base_url")
        url = self.base_url + path
        endpoint = _endpoint(method, path)
        timeouts = 0
        waited_retry_after = False
        for attempt in range(1, self.max_attempts + 1):
            err = self._paced_attempt(endpoint, method, url, path, params, json, waited_retry_after)
            if not isinstance(err, JiraError):
                return err
            if isinstance(err, JiraTimeoutError):
                timeouts += 1
                if timeouts > self.limits.timeout_retries:
                    raise err
            delay = self._retry_delay(err, attempt)
            if delay is None:
                # Raised without the requests exception as context: its request object
                # carries the Authorization header.
                raise err
            why = err.status or err.reason
            logger.warning("Jira %s %s: %s; retry %d in %.1fs", method, path, why, attempt, delay)
            self._wait(delay)
            waited_retry_after = isinstance(err, JiraRateLimitedError) and bool(err.retry_after)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._sleep(seconds)
            with self._lock:
                self._wait_seconds += seconds

    def _paced_attempt(
        self, endpoint: str, method: str, url: str, path: str, params, body, waited_retry_after
    ):
        """One attempt when the site's pacer (and the OAuth points quota) allow it."""
        if self._points is not None:
            try:
                self._wait(self._points.delay())
            except QuotaSpent as spent:
                return JiraRateLimitedError(
                    "The Atlassian app's hourly API quota is spent (estimated); the sync "
                    "will resume next hour.",
                    retry_after=spent.retry_after,
                    limit_reason="points quota (estimate)",
                    method=method,
                    path=path,
                )
        permit: Permit = self.pacer.acquire(endpoint, waited_retry_after=waited_retry_after)
        status = headers = None
        try:
            self._wait(permit.delay)
            self.pacer.sending(permit)
            with self._lock:
                self._request_count += 1
            result, status, headers = self._attempt(method, url, path, params, body)
        finally:
            self.pacer.release(permit, status=status, headers=headers)
        if status is not None and not isinstance(result, JiraError):
            points = points_of(result)
            with self._lock:
                self._points_estimate += points
            if self._points is not None:
                self._points.spend(points)
        elif status is not None:
            with self._lock:
                self._points_estimate += 1
        return result

    def _attempt(self, method: str, url: str, path: str, params: Any, body: Any):
        """One HTTP attempt: (parsed JSON or the JiraError it amounts to, status, headers)."""
        result, resp = self._exchange(method, url, path, params, body)
        if resp is None:
            return result, None, None
        return result, resp.status_code, resp.headers

    def _exchange(self, method: str, url: str, path: str, params: Any, body: Any):
        where = {"method": method, "path": path}
        try:
            # Never follow redirects (fetch doesn't): the host must only ever be base_url.
            resp, content = transport.fetch(
                self._session, method, url, limits=self.limits, params=params, json=body
            )
        except (requests.Timeout, transport.DeadlinePassed):
            return JiraTimeoutError(reason="timed out", **where), None
        except transport.BodyTooLarge:
            megabytes = self.limits.max_body_bytes / transport.MB
            return JiraResponseTooLargeError(
                f"Jira sent a response larger than {megabytes:g} MB, more than this app "
                "accepts; it was not read.",
                reason="response too large",
                **where,
            ), None
        except requests.ConnectionError:
            return JiraUnavailableError(reason="connection failed", **where), None
        except requests.RequestException:
            return JiraUnavailableError(reason="request failed", **where), None
        except JiraError as error:
            # From the access-token callable (a failed OAuth refresh): retried if transient.
            if error.path == "?":
                error.method, error.path = method.upper(), path
            return error, None
        if not 200 <= resp.status_code < 300:
            return from_response(resp, body=content, **where), resp
        if resp.status_code == 204 or not content:
            return None, resp
        try:
            return transport.parse_json(content), resp
        except ValueError:
            return JiraUnavailableError(
                "Jira sent a response that was not valid JSON.", status=resp.status_code, **where
            ), resp

    def _retry_delay(self, err: JiraError, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None to raise `err` now."""
        if attempt >= self.max_attempts or err.permanent:
            return None
        if isinstance(err, JiraRateLimitedError) and err.retry_after is not None:
            # Never retry earlier than Jira asked (that lengthens the throttling), and
            # never sleep past our cap: a longer wait is left to the next sync run.
            if err.retry_after > self.max_retry_after:
                return None
            return err.retry_after
        # status None: timeout or connection error; 2xx: malformed JSON. Redirects and
        # other 5xx (501, 505...) will not change on retry.
        if err.status is None or err.status in _RETRY_STATUSES or 200 <= err.status < 300:
            return self._backoff(attempt)
        return None

    def _get_json(self, path: str, params: Any = None, *, expect: type = dict) -> Any:
        data = self._request("GET", path, params=params)
        return self._expect(data, expect, "GET", path)

    @staticmethod
    def _expect(data: Any, expect: type, method: str, path: str) -> Any:
        if not isinstance(data, expect):
            raise JiraUnavailableError(
                "Jira sent a response of an unexpected shape.", method=method, path=path
            )
        return data

    def _iter_offset_pages(
        self, path: str, params: list[tuple[str, Any]], items_key: str, *, cap: int, what: str
    ) -> Iterator[dict]:
        """Page a startAt/maxResults endpoint, bounded (paging.iter_offset_items)."""
        return paging.iter_offset_items(
            lambda start, size: self._get_json(
                path, [*params, ("startAt", start), ("maxResults", size)]
            ),
            items_key=items_key,
            cap=cap,
            what=what,
            endpoint=f"GET {path}",
            on_cut_short=self._record_cut_short,
        )

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
        return self._expect(self._request("POST", path, json=body), dict, "POST", path)

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
