"""The Jira REST endpoints of one site, as plain functions from a request to a response.

Routes are matched on the path after ``/s/{subdomain}``. Each handler returns a ``Response``;
the HTTP layer (server.py) adds transport behaviour (latency, faults, keep-alive).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import bulk, devinfo, search, webhook_api
from .constants import (
    DEVELOPMENT_FIELD_ID,
    DEVELOPMENT_FIELD_NAME,
    MSG_BAD_PAYLOAD,
    MSG_BOARD_NOT_FOUND,
    MSG_ISSUE_NOT_FOUND,
    MSG_LEGACY_SEARCH,
    STATUSES,
    error_body,
)
from .data import Site, UnknownIssue
from .dates import jira_time
from .encoding import Fragment, encode
from .render import (
    INLINE_HISTORIES_ISSUE,
    FieldSelection,
    comment_json,
    history_json,
    issue_json,
    project_json,
    resolutions_json,
    status_json,
)
from .sprints import board_json, board_of
from .standard_fields import fields_json

if TYPE_CHECKING:
    from .simulator import Account


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, list[str]]
    body: bytes
    site: Site
    base: str  # e.g. http://127.0.0.1:8765/s/acme, for "self" links
    account: Account | None = None
    match: re.Match | None = None
    oauth: bool = False  # came through the OAuth gateway (/ex/jira/{cloudId})
    # The HTTP layer encodes with orjson: search pages may hold issues already encoded.
    fragments: bool = False

    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise search.BadRequest(MSG_BAD_PAYLOAD) from None

    def param(self, name: str, default: str | None = None) -> str | None:
        return self.params.get(name, [default])[0]

    def int_param(self, name: str, default: int, maximum: int | None = None) -> int:
        raw = self.param(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise search.BadRequest(f"The '{name}' parameter must be an integer.") from None
        if value < 0:
            raise search.BadRequest(f"The '{name}' parameter must not be negative.")
        return min(value, maximum) if maximum is not None else value


@dataclass
class Response:
    status: int
    body: object
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    methods: tuple[str, ...]
    pattern: re.Pattern
    template: str  # the request counter key
    handler: Callable[[Request], Response]
    auth: bool = True
    kept: bool = False  # a read of one issue: its encoded body is kept while the site holds


def ok(body) -> Response:
    return Response(200, body)


def not_found(message: str = MSG_ISSUE_NOT_FOUND) -> Response:
    return Response(404, error_body(message))


def bad_request(*messages: str) -> Response:
    return Response(400, error_body(*messages))


def server_info(req: Request) -> Response:
    now = req.site.clock()
    return ok(
        {
            "baseUrl": req.base,
            "displayUrl": req.base,
            "version": "1001.0.0-SNAPSHOT",
            "versionNumbers": [1001, 0, 0],
            "deploymentType": "Cloud",
            "buildNumber": 100289,
            "buildDate": "2026-06-01T00:00:00.000+0000",
            "serverTime": jira_time(now),
            "scmInfo": "0f6b5d1e7c9a2b3c4d5e6f708192a3b4c5d6e7f8",
            "serverTitle": "Jira",
            "defaultLocale": {"locale": "en_US"},
            "serverTimeZone": "Etc/UTC",
        }
    )


def tenant_info(req: Request) -> Response:
    return ok({"cloudId": req.site.cloud_id})


def myself(req: Request) -> Response:
    account = req.account
    if account.user_index is not None:
        data = dict(req.site.users[account.user_index].as_json())
    else:
        data = {"accountId": f"sim-{account.email}", "displayName": account.display_name}
        data |= {"active": True, "accountType": "atlassian"}
    data["emailAddress"] = account.email
    data["timeZone"] = account.time_zone
    data["self"] = f"{req.base}/rest/api/3/user?accountId={data['accountId']}"
    data["locale"] = "en_US"
    return ok(data)


def project_search(req: Request) -> Response:
    site = req.site
    visible = site.visible_keys(req.account.email)
    wanted = {
        k.strip().upper() for v in req.params.get("keys", []) for k in v.split(",") if k.strip()
    }
    projects = [p for p in sorted(site.projects, key=lambda p: p.key) if p.key in visible]
    if wanted:
        projects = [p for p in projects if p.key in wanted]  # invisible ones silently left out
    start = req.int_param("startAt", 0)
    limit = max(1, req.int_param("maxResults", 50, maximum=100))
    page = projects[start : start + limit]
    is_last = start + limit >= len(projects)
    body = {
        "self": f"{req.base}/rest/api/3/project/search?startAt={start}&maxResults={limit}",
        "maxResults": limit,
        "startAt": start,
        "total": len(projects),
        "isLast": is_last,
        "values": [project_json(p, req.base) for p in page],
    }
    if not is_last:
        body["nextPage"] = (
            f"{req.base}/rest/api/3/project/search?startAt={start + limit}&maxResults={limit}"
        )
    return ok(body)


def project_get(req: Request) -> Response:
    site, ref = req.site, req.match["ref"].upper()
    project = site.project_by_key.get(ref) or next((p for p in site.projects if p.id == ref), None)
    if project is None or project.key not in site.visible_keys(req.account.email):
        return not_found(f"No project could be found with key '{req.match['ref']}'.")
    return ok(project_json(project, req.base))


def fields(req: Request) -> Response:
    return ok(fields_json(DEVELOPMENT_FIELD_ID, DEVELOPMENT_FIELD_NAME))


def statuses(req: Request) -> Response:
    return ok([status_json(s.id, req.base) for s in STATUSES])


def resolution_search(req: Request) -> Response:
    values = resolutions_json(req.base)
    start = req.int_param("startAt", 0)
    limit = req.int_param("maxResults", 50, maximum=100)
    page = values[start : start + limit]
    return ok(
        {
            "self": f"{req.base}/rest/api/3/resolution/search",
            "maxResults": limit,
            "startAt": start,
            "total": len(values),
            "isLast": start + limit >= len(values),
            "values": page,
        }
    )


def legacy_search(req: Request) -> Response:
    return Response(410, error_body(MSG_LEGACY_SEARCH))


def search_jql(req: Request) -> Response:
    if req.method == "POST":
        parsed = search.request_from_body(req.json())
    else:
        parsed = search.request_from_query(req.params)
    page = search.search_page(req.site, req.account, parsed, base=req.base, fragments=req.fragments)
    return ok(page)


def approximate_count(req: Request) -> Response:
    return ok(search.approximate_count(req.site, req.account, req.json()))


def _issue(req: Request) -> int:
    return req.site.resolve(req.match["ref"], req.account.email)


def issue_get(req: Request) -> Response:
    fields_param = [f for v in req.params.get("fields", []) for f in v.split(",") if f.strip()]
    selection = FieldSelection(fields_param or None, default="*all")
    expand = req.param("expand", "") or ""
    changelog = INLINE_HISTORIES_ISSUE if "changelog" in expand.split(",") else 0
    idx = _issue(req)
    return ok(issue_json(req.site, idx, selection, base=req.base, changelog=changelog))


def issue_comments(req: Request) -> Response:
    order = req.param("orderBy", "created") or "created"
    if order not in ("created", "+created", "-created"):
        return bad_request(
            f"The value '{order}' is not supported for 'orderBy'. Use 'created', '+created' or '-created'."
        )
    start = req.int_param("startAt", 0)
    limit = req.int_param("maxResults", 5000, maximum=5000)
    idx = _issue(req)
    site = req.site
    core = site.core(idx)
    ordered = core.comments if order != "-created" else list(reversed(core.comments))
    issue_self = f"{req.base}/rest/api/3/issue/{site.issue_id(idx)}"
    page = ordered[start : start + limit]
    comments = [comment_json(site, core, c, issue_self) for c in page]
    return ok({"startAt": start, "maxResults": limit, "total": len(ordered), "comments": comments})


def issue_changelog(req: Request) -> Response:
    start = req.int_param("startAt", 0)
    limit = max(1, req.int_param("maxResults", 100, maximum=100))
    idx = _issue(req)
    site = req.site
    core = site.core(idx)
    page = core.histories[start : start + limit]
    is_last = start + limit >= len(core.histories)
    path = f"{req.base}/rest/api/3/issue/{site.issue_id(idx)}/changelog"
    body = {
        "self": f"{path}?maxResults={limit}&startAt={start}",
        "maxResults": limit,
        "startAt": start,
        "total": len(core.histories),
        "isLast": is_last,
        "values": [history_json(site, core, h) for h in page],
    }
    if not is_last:
        body["nextPage"] = f"{path}?maxResults={limit}&startAt={start + limit}"
    return ok(body)


def issue_remotelinks(req: Request) -> Response:
    idx = _issue(req)
    issue_self = f"{req.base}/rest/api/3/issue/{req.site.issue_id(idx)}"
    return ok([devinfo.remote_link_json(link, issue_self) for link in req.site.core(idx).links])


def board_get(req: Request) -> Response:
    """One board; 404 (Jira's words) for an unknown board or one of a project the account
    can't see."""
    ref = req.match["ref"]
    project = board_of(req.site.projects, int(ref)) if ref.isdigit() else None
    if project is None or project.key not in req.site.visible_keys(req.account.email):
        return not_found(MSG_BOARD_NOT_FOUND)
    return ok(board_json(project, int(ref), req.base))


def _dev_issue(req: Request) -> int:
    raw = req.param("issueId")
    if raw is None or not raw.isdigit():
        raise search.BadRequest("The 'issueId' parameter must be the numeric id of an issue.")
    return req.site.resolve(raw, req.account.email)


def dev_summary(req: Request) -> Response:
    return ok(devinfo.dev_summary_json(req.site.core(_dev_issue(req)).prs))


def dev_detail(req: Request) -> Response:
    application, data_type = req.param("applicationType"), req.param("dataType")
    if not application or not data_type:
        return bad_request("The 'applicationType' and 'dataType' parameters are required.")
    prs = req.site.core(_dev_issue(req)).prs
    if data_type != "pullrequest":
        return ok({"errors": [], "detail": []})
    return ok(devinfo.dev_detail_json(prs, application))


def _route(methods: str, template: str, handler, *, auth: bool = True, kept: bool = False):
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    pattern = re.compile(f"^{regex}$")
    return Route(tuple(methods.split("|")), pattern, template, handler, auth=auth, kept=kept)


ROUTES = [
    _route("GET", "/rest/api/3/serverInfo", server_info, auth=False),
    _route("GET", "/_edge/tenant_info", tenant_info, auth=False),
    _route("GET", "/rest/api/3/myself", myself),
    _route("GET", "/rest/api/3/project/search", project_search),
    _route("GET", "/rest/api/3/project/{ref}", project_get),
    _route("GET", "/rest/api/3/field", fields),
    _route("GET", "/rest/api/3/status", statuses),
    _route("GET", "/rest/api/3/resolution/search", resolution_search),
    _route("GET|POST", "/rest/api/3/search/jql", search_jql),
    _route("POST", "/rest/api/3/search/approximate-count", approximate_count),
    _route("GET|POST", "/rest/api/3/search", legacy_search),
    _route("GET|POST", "/rest/api/2/search", legacy_search),
    _route("GET|POST", "/rest/api/latest/search", legacy_search),
    _route("POST", "/rest/api/3/issue/bulkfetch", lambda req: ok(bulk.issue_bulkfetch(req))),
    _route(
        "POST", "/rest/api/3/changelog/bulkfetch", lambda req: ok(bulk.changelog_bulkfetch(req))
    ),
    _route("GET", "/rest/api/3/issue/{ref}", issue_get, kept=True),
    _route("GET", "/rest/api/3/issue/{ref}/comment", issue_comments, kept=True),
    _route("GET", "/rest/api/3/issue/{ref}/changelog", issue_changelog, kept=True),
    _route("GET", "/rest/api/3/issue/{ref}/remotelink", issue_remotelinks, kept=True),
    _route("GET", "/rest/agile/1.0/board/{ref}", board_get),
    _route("GET", "/rest/dev-status/latest/issue/summary", dev_summary, kept=True),
    _route("GET", "/rest/dev-status/latest/issue/detail", dev_detail, kept=True),
    *[
        _route(methods, template, lambda req, handler=handler: Response(*handler(req)))
        for methods, template, handler in [
            ("GET", "/rest/api/3/mypermissions", webhook_api.my_permissions),
            ("GET|POST", "/rest/webhooks/1.0/webhook", webhook_api.admin_collection),
            ("GET|PUT|DELETE", "/rest/webhooks/1.0/webhook/{ref}", webhook_api.admin_item),
            ("GET|POST|DELETE", "/rest/api/3/webhook", webhook_api.dynamic_collection),
            ("PUT", "/rest/api/3/webhook/refresh", webhook_api.dynamic_refresh),
        ]
    ],
]


def find_route(path: str) -> tuple[Route | None, re.Match | None]:
    for route in ROUTES:
        match = route.pattern.match(path)
        if match:
            return route, match
    return None, None


def _kept_response(route: Route, req: Request) -> Response:
    """A read of one issue, answered with the body encoded for the same request (path,
    parameters, base URL, account) while the site is unchanged; errors are never kept."""
    site = req.site
    params = tuple(sorted((name, tuple(values)) for name, values in req.params.items()))
    email = getattr(req.account, "email", None)
    key = (route.template, req.path, params, req.base, email)
    raw = site.encoded_issues.find(site.version, key)
    if raw is None:
        response = route.handler(req)
        if response.status != 200 or response.headers:
            return response
        raw = encode(response.body)
        site.encoded_issues.keep(key, raw)
    return Response(200, Fragment(raw))


def call(route: Route, req: Request) -> Response:
    if req.method not in route.methods:
        return Response(405, error_body(f"Method {req.method} is not allowed here."))
    try:
        # One request at a time per site: mutations from tests or the control API never
        # interleave with a half-rendered response (the GIL serializes the work anyway).
        with req.site.lock:
            if route.kept and req.fragments:
                return _kept_response(route, req)
            return route.handler(req)
    except search.BadRequest as exc:
        return bad_request(*exc.messages)
    except UnknownIssue:
        return not_found()
