"""The out-of-process control API under ``/_sim`` (no auth, no faults, never under /rest).

- ``GET  /_sim/{subdomain}/truth[?email=...][&id=...]``  -> {id: {...}} of live issues (or of one)
- ``POST /_sim/{subdomain}/mutate``  {"action": "update_issue"|"move_issue"|"delete_issue"|
  "create_issue"|"add_comment"|"add_remote_link"|"mutate"|"set_project_access", ...arguments} -> {"result": ...}
- ``GET  /_sim/stats``  -> request counts and the fault log
- ``GET  /_sim/stats``  also has the rate limiter's figures per site (ratelimit.py), the
  simulator's own CPU seconds and the bytes each site keeps encoded (encoding.py)
- ``POST /_sim/config`` {"fault_rate", "fault_kinds", "slow_seconds", "latency_ms", "rate_limit",
  "throttled_sites": {subdomain: Retry-After seconds}}
- ``POST /_sim/reset``  clears request counts and the fault log
- ``GET  /_sim/webhooks`` -> registrations and deliveries; ``POST /_sim/webhooks`` {"delay_ms",
  "duplicate_rate", "reorder_rate", "reorder_ms", "max_retries", "retry_base_seconds"}
"""

from __future__ import annotations

import json
import re
import time

from .data import UnknownIssue
from .truth import issue_truth

SITE_PATH = re.compile(r"^/_sim/(?P<sub>[a-z0-9][a-z0-9-]{0,62})/(?P<what>truth|mutate)$")


def handle(simulator, method: str, path: str, params: dict, body: bytes) -> tuple[int, object]:
    try:
        return _handle(simulator, method, path, params, body)
    except UnknownIssue as exc:
        return 404, {"error": f"no such issue: {exc}"}
    except (ValueError, TypeError, KeyError) as exc:
        return 400, {"error": str(exc)}


def _handle(simulator, method, path, params, body):
    if path == "/_sim/stats" and method == "GET":
        sites = simulator.sites
        return 200, {
            "request_counts": dict(simulator.request_counts),
            "faults": [r.as_json() for r in simulator.fault_log],
            "sites": sorted(sites),
            "rate_limit": simulator.rate_limiter.stats(),
            # CPU of the process serving so far: a benchmark shares the 2 cores with it.
            "cpu_seconds": round(time.process_time(), 3),
            # Bytes of encoded issues and answers each site keeps (encoding.EncodedIssues).
            "kept_bytes": {name: site.encoded_issues.size for name, site in sites.items()},
        }
    if path == "/_sim/webhooks":
        return _webhooks(simulator, method, body)
    if path == "/_sim/reset" and method == "POST":
        simulator.reset_counts()
        return 200, {"ok": True}
    if path == "/_sim/config" and method == "POST":
        config = json.loads(body or b"{}")
        simulator.faults.configure(
            rate=config.get("fault_rate"),
            kinds=config.get("fault_kinds"),
            slow_seconds=config.get("slow_seconds"),
        )
        if isinstance(config.get("throttled_sites"), dict):
            simulator.throttled_sites = {
                str(site): float(seconds) for site, seconds in config["throttled_sites"].items()
            }
        if "latency_ms" in config:
            simulator.latency_ms = int(config["latency_ms"])
        if "rate_limit" in config:
            simulator.rate_limiter.configure(float(config["rate_limit"]))
        return 200, {"ok": True}
    match = SITE_PATH.match(path.lower())
    if match is None:
        return 404, {"error": f"unknown control path {path}"}
    site = simulator.site(match["sub"])
    if match["what"] == "truth" and method == "GET":
        email = params.get("email", [None])[0]
        if "id" in params:
            with site.lock:
                idx = site.resolve(params["id"][0], email)
                return 200, {site.issue_id(idx): issue_truth(site, idx, site.core(idx))}
        return 200, site.truth(email)
    if match["what"] == "mutate" and method == "POST":
        return 200, {"result": _mutate(site, json.loads(body or b"{}"))}
    return 405, {"error": f"{method} not allowed on {path}"}


def _mutate(site, command: dict):
    command = dict(command)
    action = command.pop("action", None)
    if action == "update_issue":
        issue_id, updated = command.pop("issue_id"), command.pop("updated", None)
        changes = command.pop("changes", None) or command
        return site.update_issue(issue_id, updated=updated, **changes)
    if action == "move_issue":
        project = command.get("new_project_key") or command["project"]
        return {
            "key": site.move_issue(command["issue_id"], project, updated=command.get("updated"))
        }
    if action == "delete_issue":
        return {"deleted": site.delete_issue(command["issue_id"])}
    if action == "create_issue":
        project = command.pop("project", None) or command.pop("project_key", None)
        return {"id": site.create_issue(project, **command)}
    if action == "add_comment":
        comment_id = site.add_comment(
            command["issue_id"], command.get("text"), command.get("author")
        )
        return {"comment_id": comment_id}
    if action == "add_remote_link":
        link_id = site.add_remote_link(
            command["issue_id"],
            command["url"],
            command.get("title", "Linked page"),
            history=bool(command.get("history", True)),
        )
        return {"link_id": link_id}
    if action == "mutate":
        return site.mutate(
            int(command.get("rng_seed", command.get("seed", 1))), int(command["count"])
        )
    if action == "set_project_access":
        site.set_project_access(command["email"], command["keys"])
        return {"email": command["email"], "keys": sorted(command["keys"])}
    raise ValueError(f"unknown action {action!r}")


def _webhooks(simulator, method: str, body: bytes):
    hub = simulator.webhooks
    if method == "POST":
        hub.configure(**json.loads(body or b"{}"))
    elif method != "GET":
        return 405, {"error": f"{method} not allowed on /_sim/webhooks"}
    statuses: dict[str, int] = {}
    for record in list(hub.deliveries):
        statuses[str(record.status)] = statuses.get(str(record.status), 0) + 1
    return 200, {
        "registrations": [
            {"id": r.id, "kind": r.kind, "site": r.subdomain, "url": r.url, "jql": r.jql}
            for r in hub.registrations()
        ],
        "deliveries": statuses,
    }
