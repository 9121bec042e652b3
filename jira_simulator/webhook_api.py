"""The webhook endpoints of a simulated site; each returns (status, body) for api.py.

- ``GET /rest/api/3/mypermissions?permissions=ADMINISTER``: whether the account is a Jira admin.
- Admin webhooks, Basic auth and Jira admins only: ``GET|POST /rest/webhooks/1.0/webhook``,
  ``GET|PUT|DELETE /rest/webhooks/1.0/webhook/{id}``.
- Dynamic webhooks, OAuth apps only (scope checked in oauth.py): ``GET|POST|DELETE
  /rest/api/3/webhook`` and ``PUT /rest/api/3/webhook/refresh``.
https://developer.atlassian.com/cloud/jira/platform/webhooks/
"""

from __future__ import annotations

from .constants import error_body
from .dates import jira_time
from .webhooks import ADMIN, DYNAMIC, DYNAMIC_LIFETIME_MS, RegistrationError

ONE_URL_PER_APP = "Only a single URL per app is allowed to be registered."
APPS_ONLY = "Only Connect and OAuth 2.0 apps can use this operation."
NOT_ADMIN = "You do not have permission to manage webhooks."
MAX_DYNAMIC_PER_ACCOUNT = 5


def _hub(req):
    return req.site.webhooks


def _body(req) -> dict:
    data = req.json()
    if not isinstance(data, dict):
        raise RegistrationError("Invalid request payload.")
    return data


def my_permissions(req):
    wanted = {k for v in req.params.get("permissions", []) for k in v.split(",") if k}
    if not wanted:
        return 400, error_body("The 'permissions' parameter is required.")
    is_admin = req.account.email in _hub(req).admins
    permissions = {
        key: {
            "id": "0" if key == "ADMINISTER" else "1",
            "key": key,
            "name": "Administer Jira" if key == "ADMINISTER" else key.title(),
            "type": "GLOBAL",
            "description": "",
            "havePermission": is_admin if key == "ADMINISTER" else True,
        }
        for key in sorted(wanted)
    }
    return 200, {"permissions": permissions}


# -- admin webhooks ------------------------------------------------------------------------------


def _admin_json(req, registration) -> dict:
    return {
        "self": f"{req.base}/rest/webhooks/1.0/webhook/{registration.id}",
        "name": registration.name,
        "url": registration.url,
        "events": list(registration.events),
        "filters": {"issue-related-events-section": registration.jql},
        "excludeBody": registration.exclude_body,
        "enabled": registration.enabled,
    }


def _admin_fields(data: dict) -> dict:
    filters = data.get("filters") or {}
    jql_text = filters.get("issue-related-events-section", "") if isinstance(filters, dict) else ""
    secret = data.get("secret") or ""
    if not isinstance(jql_text, str) or not isinstance(secret, str):
        raise RegistrationError("Invalid request payload.")
    return {
        "url": data.get("url"),
        "events": data.get("events"),
        "jql_text": jql_text,
        "secret": secret,
        "name": str(data.get("name") or "")[:255],
        "enabled": data.get("enabled", True) is not False,
        "exclude_body": data.get("excludeBody") is True,
    }


def _admin_only(req):
    if req.oauth:
        return 403, error_body("OAuth 2.0 apps register dynamic webhooks (/rest/api/3/webhook).")
    if req.account.email not in _hub(req).admins:
        return 403, error_body(NOT_ADMIN)
    return None


def admin_collection(req):
    refused = _admin_only(req)
    if refused:
        return refused
    hub = _hub(req)
    if req.method == "GET":
        return 200, [_admin_json(req, r) for r in hub.registrations(req.site.subdomain, ADMIN)]
    try:
        registration = hub.register(req.site, kind=ADMIN, **_admin_fields(_body(req)))
    except RegistrationError as error:
        return 400, error_body(str(error))
    return 201, _admin_json(req, registration)


def admin_item(req):
    refused = _admin_only(req)
    if refused:
        return refused
    hub = _hub(req)
    ref = req.match["ref"]
    registration = hub.get(int(ref)) if ref.isdigit() else None
    if (
        registration is None
        or registration.kind != ADMIN
        or (registration.subdomain != req.site.subdomain)
    ):
        return 404, error_body("Webhook not found.")
    if req.method == "GET":
        return 200, _admin_json(req, registration)
    if req.method == "DELETE":
        hub.remove(registration.id)
        return 204, None
    try:
        fields = _admin_fields(_body(req))
        replacement = hub.register(req.site, kind=ADMIN, **fields)
    except RegistrationError as error:
        return 400, error_body(str(error))
    # An update keeps the webhook's id.
    hub.remove(replacement.id)
    for name in ("url", "events", "jql", "projects", "secret", "name", "enabled"):
        setattr(registration, name, getattr(replacement, name))
    return 200, _admin_json(req, registration)


# -- dynamic webhooks ------------------------------------------------------------------------------


def _apps_only(req):
    return None if req.oauth else (403, error_body(APPS_ONLY))


def _mine(req) -> list:
    """The caller's dynamic webhooks; expired ones are gone, as Jira deletes them."""
    email, now = req.account.email, req.site.clock()
    return [
        r
        for r in _hub(req).registrations(req.site.subdomain, DYNAMIC)
        if r.email == email and r.expires_ms > now
    ]


def _ids(req) -> list[int]:
    ids = _body(req).get("webhookIds")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        raise RegistrationError("webhookIds must be a non-empty list of webhook ids.")
    return ids


def dynamic_collection(req):
    refused = _apps_only(req)
    if refused:
        return refused
    hub = _hub(req)
    if req.method == "GET":
        values = [
            {
                "id": r.id,
                "jqlFilter": r.jql,
                "events": list(r.events),
                "expirationDate": jira_time(r.expires_ms),
            }
            for r in _mine(req)
        ]
        return 200, {"startAt": 0, "maxResults": 100, "total": len(values), "isLast": True,
                     "values": values}  # fmt: skip
    try:
        if req.method == "DELETE":
            for webhook_id in _ids(req):
                if any(r.id == webhook_id for r in _mine(req)):
                    hub.remove(webhook_id)
            return 202, None
        data = _body(req)
        url, specs = data.get("url"), data.get("webhooks")
        if not isinstance(specs, list) or not specs:
            raise RegistrationError("At least one webhook is required.")
        existing = {r.url for r in hub.registrations(kind=DYNAMIC)}
        if existing and url not in existing:
            raise RegistrationError(ONE_URL_PER_APP)
    except RegistrationError as error:
        return 400, error_body(str(error))
    results = []
    for spec in specs:
        spec = spec if isinstance(spec, dict) else {}
        jql_text = spec.get("jqlFilter")
        try:
            if len(_mine(req)) >= MAX_DYNAMIC_PER_ACCOUNT:
                raise RegistrationError("Too many webhooks registered for this app and user.")
            if not isinstance(jql_text, str) or not jql_text:
                raise RegistrationError("The JQL filter is required.")
            registration = hub.register(
                req.site,
                kind=DYNAMIC,
                url=url,
                events=spec.get("events"),
                jql_text=jql_text,
                email=req.account.email,
                expires_ms=req.site.clock() + DYNAMIC_LIFETIME_MS,
            )
        except RegistrationError as error:
            results.append({"errors": [str(error)]})
        else:
            results.append({"createdWebhookId": registration.id})
    return 200, {"webhookRegistrationResult": results}


def dynamic_refresh(req):
    refused = _apps_only(req)
    if refused:
        return refused
    try:
        ids = _ids(req)
    except RegistrationError as error:
        return 400, error_body(str(error))
    mine = {r.id: r for r in _mine(req)}
    expires = req.site.clock() + DYNAMIC_LIFETIME_MS
    for webhook_id in ids:
        # Jira ignores ids that aren't the caller's live webhooks.
        if webhook_id in mine:
            mine[webhook_id].expires_ms = expires
    return 200, {"expirationDate": jira_time(expires)}
