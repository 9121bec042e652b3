"""Linked pull requests (dev-status + the "Development" field) and remote links of an issue.

The Development field string, the dev-status summary and the dev-status detail are all
rendered from the same PR list, so they always agree. A PR can be reported by two GitHub
instance types at once (the old and the new GitHub app), as on real sites: clients must
de-duplicate by URL.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from urllib.parse import urlsplit

from .constants import DEV_INSTANCE_TYPES
from .dates import jira_time
from .encoding import orjson
from .seeding import stable_uuid

REPOS = ("api", "web", "infra", "mobile", "billing-service")
STATE_ORDER = ("OPEN", "MERGED", "DECLINED")


@dataclass(frozen=True)
class PullRequest:
    instance: str  # key of byInstanceType, e.g. "GitHub"
    repo: str  # "org/name"
    number: int
    title: str
    status: str  # OPEN / MERGED / DECLINED
    author: str
    branch: str
    last_update_ms: int

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repo}/pull/{self.number}"


@dataclass(frozen=True)
class RemoteLink:
    id: int
    kind: str  # confluence / gdoc / notion / github
    url: str
    title: str
    relationship: str | None
    page_id: int = 0


def make_prs(
    rng: random.Random,
    *,
    org: str,
    instances: tuple[str, ...],
    done: bool,
    started: bool,
    key: str,
    title: str,
    author: str,
    window: tuple[int, int],
) -> list[PullRequest]:
    """0-3 PRs whose states fit the issue: merged when done, open while in progress."""
    if not started and rng.random() > 0.05:
        return []
    if rng.random() > (0.55 if started else 0.5):
        return []
    prs = []
    branch = f"{key.lower()}-{title.lower().replace(' ', '-')[:24]}".strip("-")
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        if done:
            status = "MERGED" if rng.random() < 0.85 else "DECLINED"
        elif started:
            status = "OPEN" if rng.random() < 0.8 else rng.choice(("MERGED", "DECLINED"))
        else:
            status = "DECLINED"
        pr = PullRequest(
            instance=rng.choice(instances),
            repo=f"{org}/{rng.choice(REPOS)}",
            number=rng.randint(1, 9999),
            title=title,
            status=status,
            author=author,
            branch=branch,
            last_update_ms=rng.randint(*window),
        )
        prs.append(pr)
        if len(instances) > 1 and rng.random() < 0.15:
            other = next(i for i in instances if i != pr.instance)
            prs.append(PullRequest(**{**pr.__dict__, "instance": other}))
    return prs


def make_links(
    rng: random.Random, *, subdomain: str, base_id: int, prs: list[PullRequest], title: str
) -> list[RemoteLink]:
    links: list[RemoteLink] = []
    if rng.random() < 0.45:
        return links
    for n in range(rng.choice((1, 1, 2, 3))):
        roll = rng.random()
        link_id = base_id + n
        if roll < 0.5:
            page = rng.randint(100_000, 9_999_999)
            url = f"https://{subdomain}.atlassian.net/wiki/pages/viewpage.action?pageId={page}"
            relationship = rng.choice(("Wiki Page", "mentioned in"))
            named = title if rng.random() < 0.3 else "Wiki Page"  # titles are often generic
            links.append(RemoteLink(link_id, "confluence", url, named, relationship, page))
        elif roll < 0.7:
            doc = stable_uuid(subdomain, link_id).replace("-", "")
            url = f"https://docs.google.com/document/d/{doc}/edit"
            links.append(RemoteLink(link_id, "gdoc", url, f"{title} - Google Docs", None))
        elif roll < 0.85 or not prs:
            slug = title.replace(" ", "-")[:30]
            url = (
                f"https://www.notion.so/{subdomain}/{slug}-{stable_uuid(link_id).replace('-', '')}"
            )
            links.append(RemoteLink(link_id, "notion", url, title, "relates to"))
        else:
            pr = rng.choice(prs)
            links.append(RemoteLink(link_id, "github", pr.url, f"PR #{pr.number}", None))
    return links


def link_application(link: RemoteLink) -> str:
    return "Confluence" if link.kind == "confluence" else "Web Link"


def remote_link_json(link: RemoteLink, issue_self: str) -> dict:
    obj = {
        "url": link.url,
        "title": link.title,
        "icon": {"url16x16": f"https://{urlsplit(link.url).netloc}/favicon.ico"},
        "status": {"resolved": False, "icon": {}},
    }
    data: dict = {"id": link.id, "self": f"{issue_self}/remotelink/{link.id}"}
    if link.kind == "confluence":
        data["globalId"] = f"appId={stable_uuid('confluence-app')}&pageId={link.page_id}"
        data["application"] = {"type": "com.atlassian.confluence", "name": "System Confluence"}
    else:
        data["application"] = {}
    if link.relationship:
        data["relationship"] = link.relationship
    data["object"] = obj
    return data


def _overall(prs: list[PullRequest]) -> dict:
    state = next(s for s in STATE_ORDER if any(p.status == s for p in prs))
    return {
        "count": len(prs),
        "lastUpdated": jira_time(max(p.last_update_ms for p in prs)),
        "stateCount": sum(1 for p in prs if p.status == state),
        "state": state,
        "dataType": "pullrequest",
        "open": state == "OPEN",
    }


def _by_instance(prs: list[PullRequest]) -> dict:
    counts: dict[str, dict] = {}
    for pr in prs:
        entry = counts.setdefault(
            pr.instance, {"count": 0, "name": DEV_INSTANCE_TYPES[pr.instance]}
        )
        entry["count"] += 1
    return counts


def pr_summary(prs: list[PullRequest]) -> dict:
    if not prs:
        overall = {"count": 0, "lastUpdated": None, "stateCount": 0, "state": "OPEN"}
        overall |= {"dataType": "pullrequest", "open": True}
        return {"overall": overall, "byInstanceType": {}}
    return {"overall": _overall(prs), "byInstanceType": _by_instance(prs)}


def development_field(prs: list[PullRequest]) -> str:
    """The Development custom field: a string, "{}" when empty (fact sheet section 5)."""
    if not prs:
        return "{}"
    summary = pr_summary(prs)
    overall = summary["overall"]
    cached = {"cachedValue": {"errors": [], "summary": {"pullrequest": summary}}, "isStale": True}
    encoded = _compact_ascii_json(cached)
    head = f"dataType=pullrequest, state={overall['state']}, stateCount={overall['stateCount']}"
    return f"{{pullrequest={{{head}}}, json={encoded}}}"


def _compact_ascii_json(value) -> str:
    """``json.dumps(value, separators=(",", ":"))``: orjson's text when that is all ASCII
    (then the same characters), else the standard library's escapes."""
    if orjson is not None:
        text = orjson.dumps(value).decode()
        if text.isascii():
            return text
    return json.dumps(value, separators=(",", ":"))


def dev_summary_json(prs: list[PullRequest]) -> dict:
    empty = {"overall": {"count": 0, "lastUpdated": None}, "byInstanceType": {}}
    return {
        "errors": [],
        "configErrors": [],
        "summary": {"pullrequest": pr_summary(prs), "branch": empty, "repository": empty},
    }


def dev_detail_json(prs: list[PullRequest], application_type: str) -> dict:
    selected = [p for p in prs if p.instance == application_type]
    if not selected:
        return {"errors": [], "detail": []}
    pull_requests = [
        {
            "author": {"name": pr.author, "avatar": "https://avatars.githubusercontent.com/u/1"},
            "id": f"#{pr.number}",
            "name": pr.title,
            "commentCount": pr.number % 5,
            "source": {
                "branch": pr.branch,
                "url": f"https://github.com/{pr.repo}/tree/{pr.branch}",
            },
            "destination": {"branch": "main", "url": f"https://github.com/{pr.repo}/tree/main"},
            "reviewers": [],
            "status": pr.status,
            "url": pr.url,
            "lastUpdate": jira_time(pr.last_update_ms),
            "repositoryId": str(sum(map(ord, pr.repo))),
            "repositoryName": pr.repo,
            "repositoryUrl": f"https://github.com/{pr.repo}",
        }
        for pr in selected
    ]
    instance = {
        "singleInstance": False,
        "baseUrl": "https://github.com",
        "name": DEV_INSTANCE_TYPES[application_type],
        "typeName": "GitHub",
        "id": stable_uuid(application_type),
        "type": application_type,
    }
    detail = {
        "branches": [],
        "pullRequests": pull_requests,
        "repositories": [],
        "_instance": instance,
    }
    return {"errors": [], "detail": [detail]}
