"""Changing a simulated site while it runs, in process and over the control API."""

import requests

from jira_simulator import (
    LIMITED_EMAIL,
)
from jira_simulator.render import INLINE_HISTORIES_SEARCH, FieldSelection, issue_json
from tests.jira_simulator.helpers import (
    ALL_PROJECTS,
    STABLE_ORDER,
    search_all,
)


def test_mutations_show_up_in_search_and_truth(server, simulator, demo):
    site = simulator.site("mutable")
    base = server.site_url("mutable")
    truth = site.truth()
    before_ms = max(t["updated_ms"] for t in truth.values())
    kan = [t for t in truth.values() if t["project"] == "KAN" and t["issuetype"] != "Sub-task"]
    edited, moved, deleted = kan[0]["id"], kan[1]["id"], kan[2]["id"]
    site.update_issue(edited, summary="Renamed by test", status="Done")
    new_key = site.move_issue(moved, "ENG")
    site.delete_issue(deleted)
    created = site.create_issue("PLAT", summary="Brand new")
    site.add_comment(edited, "hello")

    changed, _ = search_all(
        demo,
        base,
        f"{ALL_PROJECTS} AND updated > {before_ms}" + STABLE_ORDER,
        fields=["summary", "status", "comment"],
    )
    by_id = {i["id"]: i for i in changed}
    assert by_id[edited]["fields"]["summary"] == "Renamed by test"
    assert by_id[edited]["fields"]["status"]["name"] == "Done"
    assert by_id[edited]["fields"]["comment"]["total"] == kan[0]["comment_count"] + 1
    assert by_id[moved]["key"] == new_key and new_key.startswith("ENG-")
    assert by_id[created]["fields"]["summary"] == "Brand new"
    assert deleted not in by_id

    after = site.truth()
    assert deleted not in after and created in after
    assert after[moved]["key"] == new_key and after[moved]["project"] == "ENG"
    assert after[edited]["comment_count"] == kan[0]["comment_count"] + 1
    old_key = kan[1]["key"]
    assert (
        demo.get(f"{base}/rest/api/3/issue/{old_key}?fields=summary", timeout=5).json()["key"]
        == new_key
    )
    assert demo.get(f"{base}/rest/api/3/issue/{deleted}/comment", timeout=5).status_code == 404


def test_random_mutations_over_the_control_api_match_a_fresh_search(server, demo):
    base = server.site_url("churn")
    control = f"{server.url}/_sim/churn"
    applied = requests.post(
        f"{control}/mutate", json={"action": "mutate", "rng_seed": 4, "count": 40}, timeout=10
    )
    assert applied.status_code == 200 and len(applied.json()["result"]) == 40
    truth = requests.get(f"{control}/truth", timeout=10).json()
    issues, _ = search_all(
        demo, base, ALL_PROJECTS + STABLE_ORDER, fields=["summary", "updated", "status"]
    )
    seen = {
        i["id"]: (i["key"], i["fields"]["summary"], i["fields"]["status"]["name"]) for i in issues
    }
    assert seen == {k: (t["key"], t["summary"], t["status"]) for k, t in truth.items()}


def test_project_access_can_change_while_running(server, simulator, limited):
    site = simulator.site("access")
    url = f"{server.site_url('access')}/rest/api/3/project/search"
    assert [p["key"] for p in limited.get(url, timeout=5).json()["values"]] == ["KAN"]
    site.set_project_access(LIMITED_EMAIL, ["ENG"])
    assert [p["key"] for p in limited.get(url, timeout=5).json()["values"]] == ["ENG"]


def _rendered_now(site, base, issues, fields, expand):
    """The issues as rendered afresh, without the encoded issues search pages keep."""
    selection = FieldSelection(list(fields))
    changelog = INLINE_HISTORIES_SEARCH if expand == "changelog" else 0
    with site.lock:
        return [
            issue_json(site, site.resolve(i["id"]), selection, base=base, changelog=changelog)
            for i in issues
        ]


def test_search_pages_kept_encoded_show_every_change_to_the_site(server, simulator, demo):
    site = simulator.site("encoded")
    base = server.site_url("encoded")
    fields, expand = ["*all"], "changelog"
    jql = ALL_PROJECTS + STABLE_ORDER

    def search():
        return search_all(demo, base, jql, fields=fields, expand=expand)[0]

    first = search()
    assert search() == first == _rendered_now(site, base, first, fields, expand)
    with site.lock:
        child = next(i for i in site.live_indexes() if site.skeleton.parent[i] >= 0)
        parent = site.issue_id(site.skeleton.parent[child])
        future = next(s for s in site.sprints.values() if s.state == "future")
    site.start_sprint(future.id)  # shows in the Sprint field of the issues planned in it
    started = search()
    assert started != first
    assert started == _rendered_now(site, base, started, fields, expand)
    commented = first[5]["id"]
    comments_url = f"{base}/rest/api/3/issue/{commented}/comment"
    links_url = f"{base}/rest/api/3/issue/{commented}/remotelink"
    comments = demo.get(comments_url, timeout=5).json()
    assert demo.get(comments_url, timeout=5).json() == comments
    links = demo.get(links_url, timeout=5).json()
    site.update_issue(parent, summary="Parent renamed")  # shows in the child's parent field
    site.add_comment(commented, "hello")
    site.add_remote_link(commented, "https://docs.example/page", history=False)
    after = search()
    assert after == _rendered_now(site, base, after, fields, expand)
    assert demo.get(comments_url, timeout=5).json()["total"] == comments["total"] + 1
    assert len(demo.get(links_url, timeout=5).json()) == len(links) + 1
    child_json = next(i for i in after if i["id"] == site.issue_id(child))
    assert child_json["fields"]["parent"]["fields"]["summary"] == "Parent renamed"


def test_answers_kept_encoded_are_the_answers_rendered_afresh(server, simulator, demo):
    kept_bytes = simulator.kept_bytes
    simulator.kept_bytes = 0  # as --kept-mb 0
    try:
        site = simulator.site("unkept")
    finally:
        simulator.kept_bytes = kept_bytes
    base = server.site_url("unkept")

    def read():
        issues, _ = search_all(demo, base, ALL_PROJECTS + STABLE_ORDER, fields=["*all"])
        first = issues[0]["id"]
        comments = demo.get(f"{base}/rest/api/3/issue/{first}/comment", timeout=5).json()
        changelog = demo.get(f"{base}/rest/api/3/issue/{first}/changelog", timeout=5).json()
        return issues, comments, changelog

    def kept():
        return requests.get(f"{server.url}/_sim/stats", timeout=5).json()["kept_bytes"]["unkept"]

    fresh = read()
    assert kept() == 0
    site.encoded_issues.max_bytes = kept_bytes
    assert read() == fresh and kept() > 0
    assert read() == fresh  # now from what was kept
