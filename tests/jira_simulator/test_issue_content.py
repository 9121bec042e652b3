"""What a simulated site says about its issues: comments, changelogs, development info,
remote links, and people; the same seed gives the same data."""

import json
from datetime import datetime

import requests

from jira_simulator import (
    DEMO_EMAIL,
    DEMO_TOKEN,
    DEVELOPMENT_FIELD_ID,
    LIMITED_EMAIL,
    JiraSimulator,
    start_simulator,
)
from tests.jira_simulator.helpers import (
    ALL_PROJECTS,
    NOW,
    STABLE_ORDER,
    all_histories,
    find_issue,
    search_all,
)


def test_inline_comments_are_truncated_and_the_comment_endpoint_pages_them_all(server, demo):
    base = server.site_url("acme")
    issue = find_issue(
        demo, base, lambda i: i["fields"]["comment"]["total"] > 20, fields=["comment"]
    )
    inline = issue["fields"]["comment"]
    assert len(inline["comments"]) == 20 and inline["maxResults"] == 20
    url = f"{base}/rest/api/3/issue/{issue['id']}/comment"
    collected, start = [], 0
    while start < inline["total"]:
        page = demo.get(
            url, params={"startAt": start, "maxResults": 7, "orderBy": "created"}, timeout=5
        ).json()
        assert page["total"] == inline["total"]
        collected += page["comments"]
        start += len(page["comments"])
    assert len(collected) == inline["total"]
    assert [c["id"] for c in collected[:20]] == [c["id"] for c in inline["comments"]]
    newest = demo.get(url, params={"orderBy": "-created", "maxResults": 1}, timeout=5).json()
    assert newest["comments"][0]["id"] == collected[-1]["id"]
    assert demo.get(url, params={"orderBy": "updated"}, timeout=5).status_code == 400
    assert demo.get(f"{base}/rest/api/3/issue/99999999/comment", timeout=5).status_code == 404


def test_inline_changelog_is_capped_at_40_and_the_changelog_endpoint_pages_oldest_first(
    server, demo
):
    base = server.site_url("acme")
    issue = find_issue(
        demo, base, lambda i: i["changelog"]["total"] > 40, fields=["status"], expand="changelog"
    )
    inline = issue["changelog"]
    assert len(inline["histories"]) == 40 and inline["total"] > 40
    values = all_histories(demo, base, issue["key"])
    assert len(values) == inline["total"]
    created = [datetime.strptime(v["created"], "%Y-%m-%dT%H:%M:%S.%f%z") for v in values]
    assert created == sorted(created)
    assert {h["id"] for h in inline["histories"]} <= {v["id"] for v in values}


def test_status_histories_lead_to_the_current_status(server, demo):
    base = server.site_url("acme")
    issues, _ = search_all(
        demo,
        base,
        ALL_PROJECTS + STABLE_ORDER,
        fields=["status", "resolutiondate", "created"],
        expand="changelog",
    )
    created_done = 0
    for issue in issues:
        histories = issue["changelog"]["histories"]
        if issue["changelog"]["total"] > len(histories):
            histories = all_histories(demo, base, issue["id"])
        moves = [(h, i) for h in histories for i in h["items"] if i.get("fieldId") == "status"]
        status = issue["fields"]["status"]
        if not moves:
            assert status["name"] in ("To Do", "Done")
            created_done += status["name"] == "Done"
            continue
        # Before the site's workflow migration, To Do was Jira's built-in "Open".
        assert moves[0][1]["fromString"] in ("To Do", "Open", "Resolved")
        for (_, earlier), (_, later) in zip(moves, moves[1:], strict=False):
            assert earlier["to"] == later["from"]
        assert moves[-1][1]["to"] == status["id"]
        # Resolved when it last entered done from another category (Done, Resolved, Closed).
        done_ids = {"10003", "5", "6"}
        done_at = [
            h["created"] for h, i in moves if i["to"] in done_ids and i["from"] not in done_ids
        ]
        if status["statusCategory"]["key"] == "done" and done_at:
            assert issue["fields"]["resolutiondate"] == done_at[-1]
        elif status["statusCategory"]["key"] != "done":
            assert issue["fields"]["resolutiondate"] is None
    assert created_done > 0


def test_dev_status_agrees_with_the_development_field(server, demo):
    base = server.site_url("acme")
    issues, _ = search_all(demo, base, ALL_PROJECTS + STABLE_ORDER, fields=[DEVELOPMENT_FIELD_ID])
    with_prs = [i for i in issues if i["fields"][DEVELOPMENT_FIELD_ID] != "{}"]
    assert with_prs and len(with_prs) < len(issues)
    for issue in with_prs[:40]:
        cached = json.loads(issue["fields"][DEVELOPMENT_FIELD_ID].split("json=", 1)[1][:-1])
        field_summary = cached["cachedValue"]["summary"]["pullrequest"]
        url = f"{base}/rest/dev-status/latest/issue/summary"
        summary = demo.get(url, params={"issueId": issue["id"]}, timeout=5).json()["summary"][
            "pullrequest"
        ]
        assert summary["byInstanceType"] == field_summary["byInstanceType"]
        assert summary["overall"]["state"] == field_summary["overall"]["state"]
        for app_type, entry in summary["byInstanceType"].items():
            detail = demo.get(
                f"{base}/rest/dev-status/latest/issue/detail",
                params={
                    "issueId": issue["id"],
                    "applicationType": app_type,
                    "dataType": "pullrequest",
                },
                timeout=5,
            ).json()["detail"]
            prs = detail[0]["pullRequests"]
            assert len(prs) == entry["count"]
            assert all(pr["url"].startswith("https://github.com/") for pr in prs)
            assert {pr["status"] for pr in prs} <= {"OPEN", "MERGED", "DECLINED"}
    without = next(i for i in issues if i["fields"][DEVELOPMENT_FIELD_ID] == "{}")
    empty = demo.get(
        f"{base}/rest/dev-status/latest/issue/summary", params={"issueId": without["id"]}, timeout=5
    )
    assert empty.json()["summary"]["pullrequest"]["overall"]["count"] == 0
    by_key = demo.get(
        f"{base}/rest/dev-status/latest/issue/summary",
        params={"issueId": with_prs[0]["key"]},
        timeout=5,
    )
    assert by_key.status_code == 400


def test_remote_links_mix_confluence_pages_and_plain_web_links(server, simulator, demo):
    base = server.site_url("acme")
    kinds = set()
    for issue_id in list(simulator.site("acme").truth())[:80]:
        for link in demo.get(f"{base}/rest/api/3/issue/{issue_id}/remotelink", timeout=5).json():
            url = link["object"]["url"]
            if link["application"].get("type") == "com.atlassian.confluence":
                assert "/wiki/" in url and link["globalId"].startswith("appId=")
                kinds.add("confluence")
            else:
                assert "type" not in link["application"]
                kinds.add(url.split("/")[2])
    assert {"confluence", "docs.google.com", "www.notion.so"} <= kinds


def _remote_link_items(histories):
    return [i for h in histories for i in h["items"] if i["field"] == "RemoteIssueLink"]


def test_every_remote_link_leaves_a_changelog_item_as_on_real_sites(server, simulator, demo):
    base = server.site_url("acme")
    issues, _ = search_all(demo, base, ALL_PROJECTS + STABLE_ORDER, expand="changelog")
    linked = unlinked = 0
    for issue in issues[:150]:
        links = demo.get(f"{base}/rest/api/3/issue/{issue['id']}/remotelink", timeout=5).json()
        histories = issue["changelog"]["histories"]
        if issue["changelog"]["total"] > len(histories):
            histories = all_histories(demo, base, issue["id"])
        items = _remote_link_items(histories)
        assert sorted(i["to"] for i in items) == sorted(str(link["id"]) for link in links)
        for item in items:
            assert item["toString"].startswith('This issue links to "')
            assert "fieldId" not in item
        linked += bool(links)
        unlinked += not links
    assert linked > 20 and unlinked > 20


def test_a_link_added_with_history_bumps_updated_and_one_without_leaves_no_trace(server, demo):
    sim = JiraSimulator(seed=5, issues=30, now=NOW)
    with start_simulator(sim) as running:
        site, base = sim.site("acme"), running.site_url("acme")
        first, second = list(site.truth())[:2]
        before = site.truth()
        site.add_remote_link(first, "https://example.com/spec", "Spec")
        site.add_remote_link(second, "https://example.com/quiet", "Quiet", history=False)
        after = site.truth()
        assert after[first]["updated_ms"] > before[first]["updated_ms"]
        assert after[second]["updated_ms"] == before[second]["updated_ms"]
        assert "https://example.com/quiet" in after[second]["remote_link_urls"]
        histories = all_histories(demo, base, first)
        assert _remote_link_items(histories)[-1]["toString"] == (
            'This issue links to "Spec (Web Link)"'
        )
        assert "https://example.com/quiet" not in json.dumps(all_histories(demo, base, second))


def test_the_same_seed_gives_the_same_data_and_sites_differ():
    def first_page(seed, subdomain):
        with start_simulator(JiraSimulator(seed=seed, issues=300, now=NOW)) as running:
            body = {"jql": ALL_PROJECTS + STABLE_ORDER, "fields": ["*all"], "expand": "changelog"}
            url = f"{running.site_url(subdomain)}/rest/api/3/search/jql"
            text = requests.post(url, json=body, auth=(DEMO_EMAIL, DEMO_TOKEN), timeout=10).text
            return text.replace(running.url, "http://sim")

    assert first_page(5, "acme") == first_page(5, "acme")
    assert first_page(5, "acme") != first_page(5, "globex")
    assert first_page(5, "acme") != first_page(6, "acme")


def test_some_people_share_an_email_across_sites_and_some_hide_it(simulator):
    acme, globex = simulator.site("acme"), simulator.site("globex")
    acme_emails = {u.email for u in acme.users if u.email}
    shared = acme_emails & {u.email for u in globex.users if u.email}
    assert len(shared - {DEMO_EMAIL, LIMITED_EMAIL}) >= 5
    assert any(u.email is None for u in acme.users)
    assert "emailAddress" not in next(u.as_json() for u in acme.users if u.email is None)
