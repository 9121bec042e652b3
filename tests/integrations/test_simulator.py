"""The Jira Cloud simulator, exercised over real HTTP the way the sync client uses it."""

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from jira_simulator import (
    DEMO_EMAIL,
    DEMO_TOKEN,
    DEVELOPMENT_FIELD_ID,
    LIMITED_EMAIL,
    LIMITED_TOKEN,
    JiraSimulator,
    start_simulator,
)
from jira_simulator.faults import FaultInjector

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
ALL_PROJECTS = "project in (KAN, ENG, PLAT)"
STABLE_ORDER = " ORDER BY created ASC, key ASC"


@pytest.fixture(scope="module")
def simulator():
    return JiraSimulator(seed=7, issues=600, now=NOW)


@pytest.fixture(scope="module")
def server(simulator):
    running = start_simulator(simulator)
    yield running
    running.stop()


def _session(email, token):
    session = requests.Session()
    session.auth = (email, token)
    return session


@pytest.fixture
def demo():
    with _session(DEMO_EMAIL, DEMO_TOKEN) as session:
        yield session


@pytest.fixture
def limited():
    with _session(LIMITED_EMAIL, LIMITED_TOKEN) as session:
        yield session


def search_all(session, base, jql, *, fields=("summary",), expand=None, max_results=100):
    """Every issue of a query, following nextPageToken; checks the last-page contract."""
    issues, token, pages = [], None, 0
    while True:
        body = {"jql": jql, "maxResults": max_results}
        if fields is not None:
            body["fields"] = list(fields)
        if expand:
            body["expand"] = expand
        if token:
            body["nextPageToken"] = token
        response = session.post(f"{base}/rest/api/3/search/jql", json=body, timeout=10)
        assert response.status_code == 200, response.text
        page = response.json()
        issues += page["issues"]
        pages += 1
        token = page.get("nextPageToken")
        if page["isLast"]:
            assert token is None  # the key is absent on the last page
            return issues, pages
        assert token


def find_issue(session, base, predicate, *, fields, expand=None):
    issues, _ = search_all(session, base, ALL_PROJECTS + STABLE_ORDER, fields=fields, expand=expand)
    return next(issue for issue in issues if predicate(issue))


def all_histories(session, base, issue_ref):
    url = f"{base}/rest/api/3/issue/{issue_ref}/changelog"
    values, last = [], False
    while not last:
        params = {"startAt": len(values), "maxResults": 30}
        page = session.get(url, params=params, timeout=5).json()
        values += page["values"]
        last = page["isLast"]
    return values


# -- auth and identity -----------------------------------------------------------------------


def test_it_rejects_bad_credentials_with_a_jira_error_body(server):
    base = server.site_url("acme")
    for auth in [None, (DEMO_EMAIL, "wrong-token"), ("nobody@example.com", DEMO_TOKEN)]:
        response = requests.get(f"{base}/rest/api/3/myself", auth=auth, timeout=5)
        assert response.status_code == 401
        assert response.json()["errorMessages"]
        assert response.json()["errors"] == {}


def test_server_info_and_tenant_info_need_no_auth(server):
    base = server.site_url("acme")
    info = requests.get(f"{base}/rest/api/3/serverInfo", timeout=5).json()
    assert info["deploymentType"] == "Cloud"
    assert info["baseUrl"] == base
    first = requests.get(f"{base}/_edge/tenant_info", timeout=5).json()["cloudId"]
    again = requests.get(f"{base}/_edge/tenant_info", timeout=5).json()["cloudId"]
    other = requests.get(f"{server.site_url('globex')}/_edge/tenant_info", timeout=5).json()
    assert first == again != other["cloudId"]


def test_myself_reports_a_non_utc_time_zone(server, demo):
    me = demo.get(f"{server.site_url('acme')}/rest/api/3/myself", timeout=5).json()
    assert me["timeZone"] == "America/Los_Angeles"
    assert me["emailAddress"] == DEMO_EMAIL
    assert me["accountType"] == "atlassian" and me["active"] is True and me["accountId"]


def test_project_search_silently_leaves_out_invisible_projects(server, demo, limited):
    url = f"{server.site_url('acme')}/rest/api/3/project/search"
    mine = limited.get(url, params=[("keys", "KAN"), ("keys", "ENG")], timeout=5).json()
    assert [p["key"] for p in mine["values"]] == ["KAN"]
    assert mine["isLast"] is True and mine["total"] == 1
    everything = demo.get(url, timeout=5).json()
    assert sorted(p["key"] for p in everything["values"]) == ["ENG", "KAN", "PLAT"]


def test_fields_list_has_the_site_story_points_and_development_fields(server, demo):
    fields = demo.get(f"{server.site_url('acme')}/rest/api/3/field", timeout=5).json()
    by_id = {f["id"]: f for f in fields}
    assert by_id[DEVELOPMENT_FIELD_ID]["name"] == "Development"
    points = {f["id"]: f for f in fields if f["name"] in ("Story point estimate", "Story Points")}
    # Both estimation fields, as on many real sites: Jira Software's has its own schema.
    assert set(points) == {"customfield_10016", "customfield_10024"}
    assert points["customfield_10016"]["schema"]["custom"].endswith(":jsw-story-points")
    names = set()
    for sub in ("a", "b", "c", "d", "e", "f"):
        site_fields = demo.get(f"{server.site_url(sub)}/rest/api/3/field", timeout=5).json()
        names |= {
            f["name"] for f in site_fields if f["id"] in ("customfield_10016", "customfield_10024")
        }
    assert names == {"Story point estimate", "Story Points"}  # it really varies by site


def test_statuses_carry_their_categories(server, demo):
    statuses = demo.get(f"{server.site_url('acme')}/rest/api/3/status", timeout=5).json()
    categories = {s["name"]: s["statusCategory"]["key"] for s in statuses}
    assert categories == {
        "To Do": "new",
        "In Progress": "indeterminate",
        "In Review": "indeterminate",
        "Done": "done",
    }


# -- enhanced search -------------------------------------------------------------------------


def test_paging_returns_every_visible_issue_exactly_once(server, simulator, demo, limited):
    base = server.site_url("paging")
    issues, pages = search_all(demo, base, ALL_PROJECTS + STABLE_ORDER, max_results=100)
    ids = [i["id"] for i in issues]
    assert len(ids) == len(set(ids)) == 600 and pages == 6
    assert set(ids) == set(simulator.site("paging").truth())
    created = [i["fields"]["summary"] is not None for i in issues]
    assert all(created)
    mine, _ = search_all(limited, base, "updated >= 0" + STABLE_ORDER)
    assert mine and {i["key"].split("-")[0] for i in mine} == {"KAN"}
    assert {i["id"] for i in mine} == set(simulator.site("paging").truth(LIMITED_EMAIL))
    count = demo.post(
        f"{base}/rest/api/3/search/approximate-count", json={"jql": ALL_PROJECTS}, timeout=5
    )
    assert count.json() == {"count": 600}


def test_pages_of_ids_go_up_to_5000_but_pages_with_fields_stop_at_100():
    running = start_simulator(JiraSimulator(seed=3, issues=5200, now=NOW))
    try:
        with _session(DEMO_EMAIL, DEMO_TOKEN) as session:
            url = f"{running.site_url('big')}/rest/api/3/search/jql"
            first = session.post(
                url, json={"jql": ALL_PROJECTS, "fields": ["id"], "maxResults": 6000}
            ).json()
            assert len(first["issues"]) == 5000 and first["isLast"] is False
            rest = session.post(
                url,
                json={
                    "jql": ALL_PROJECTS,
                    "fields": ["id"],
                    "maxResults": 6000,
                    "nextPageToken": first["nextPageToken"],
                },
            ).json()
            assert len(rest["issues"]) == 200 and rest["isLast"] is True
            assert "nextPageToken" not in rest
            assert not {i["id"] for i in first["issues"]} & {i["id"] for i in rest["issues"]}
            capped = session.post(
                url, json={"jql": ALL_PROJECTS, "fields": ["summary"], "maxResults": 1000}
            ).json()
            assert len(capped["issues"]) == 100
    finally:
        running.stop()


def test_fields_default_to_id_only(server, demo):
    url = f"{server.site_url('acme')}/rest/api/3/search/jql"
    page = demo.post(url, json={"jql": ALL_PROJECTS, "maxResults": 5}, timeout=5).json()
    assert len(page["issues"]) == 5
    assert all(issue == {"id": issue["id"]} for issue in page["issues"])
    get_page = demo.get(
        url, params={"jql": ALL_PROJECTS, "fields": "summary,status"}, timeout=5
    ).json()
    assert set(get_page["issues"][0]["fields"]) == {"summary", "status"}


def test_post_search_rejects_expand_as_an_array(server, demo):
    url = f"{server.site_url('acme')}/rest/api/3/search/jql"
    body = {"jql": ALL_PROJECTS, "fields": ["summary"], "expand": ["changelog"]}
    response = demo.post(url, json=body, timeout=5)
    assert response.status_code == 400 and response.json()["errorMessages"]


def test_legacy_search_is_gone(server, demo):
    base = server.site_url("acme")
    for path in ("/rest/api/3/search", "/rest/api/2/search"):
        for method in ("get", "post"):
            response = getattr(demo, method)(
                f"{base}{path}", params={"jql": ALL_PROJECTS}, timeout=5
            )
            assert response.status_code == 410
            assert "The requested API has been removed" in response.json()["errorMessages"][0]


def test_a_date_literal_is_read_in_the_callers_time_zone(server, simulator, demo):
    base = server.site_url("zones")
    truth = simulator.site("zones").truth()
    target = sorted(truth.values(), key=lambda t: t["updated_ms"])[len(truth) // 2]
    instant = datetime.fromisoformat(target["updated"]).replace(second=0, microsecond=0)
    epoch = int(instant.timestamp() * 1000)
    local = instant.astimezone(ZoneInfo("America/Los_Angeles")).strftime("%Y/%m/%d %H:%M")

    def ids(jql):
        issues, _ = search_all(demo, base, f"{ALL_PROJECTS} AND {jql}" + STABLE_ORDER)
        return [i["id"] for i in issues]

    by_epoch = ids(f"updated >= {epoch}")
    assert target["id"] in by_epoch
    assert ids(f'updated >= "{local}"') == by_epoch
    assert ids(f'updated >= "{local.replace("/", "-")}"') == by_epoch
    # The classic bug: a UTC literal is read as Los Angeles wall time, hours later, and the
    # issue updated at that very minute is silently missed.
    by_utc = ids(f'updated >= "{instant.strftime("%Y/%m/%d %H:%M")}"')
    assert target["id"] not in by_utc and set(by_utc) < set(by_epoch)


@pytest.mark.parametrize(
    ("who", "jql", "bad"),
    [("demo", "project in (KAN, XYZ)", "XYZ"), ("limited", "project = ENG", "ENG")],
)
def test_unknown_or_invisible_project_is_a_400(server, demo, limited, who, jql, bad):
    session = demo if who == "demo" else limited
    url = f"{server.site_url('acme')}/rest/api/3/search/jql"
    response = session.post(url, json={"jql": jql, "fields": ["summary"]}, timeout=5)
    assert response.status_code == 400
    assert response.json() == {
        "errorMessages": [f"The value '{bad}' does not exist for the field 'project'."],
        "errors": {},
    }


@pytest.mark.parametrize(
    "jql",
    [
        "",
        "ORDER BY created DESC",
        "project = KAN OR project = ENG",
        "status = Done",
        "nonsense ~ x",
    ],
)
def test_unbounded_or_unsupported_jql_is_a_400(server, demo, jql):
    url = f"{server.site_url('acme')}/rest/api/3/search/jql"
    response = demo.post(url, json={"jql": jql, "fields": ["summary"]}, timeout=5)
    assert response.status_code == 400
    assert response.json()["errorMessages"][0]
    if jql in ("", "ORDER BY created DESC"):
        assert "Unbounded" in response.json()["errorMessages"][0]


def test_a_page_token_only_works_for_its_own_query(server, demo):
    url = f"{server.site_url('acme')}/rest/api/3/search/jql"
    first = demo.post(url, json={"jql": ALL_PROJECTS, "fields": ["summary"]}, timeout=5).json()
    other = {"jql": "project = KAN", "fields": ["summary"], "nextPageToken": first["nextPageToken"]}
    assert demo.post(url, json=other, timeout=5).status_code == 400
    garbage = {"jql": ALL_PROJECTS, "fields": ["summary"], "nextPageToken": "not-a-token"}
    assert demo.post(url, json=garbage, timeout=5).status_code == 400


# -- issue content ---------------------------------------------------------------------------


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
    running = start_simulator(sim)
    try:
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
    finally:
        running.stop()


def test_the_rate_limit_answers_429_like_jira_and_counts_early_retries():
    simulator = JiraSimulator(seed=2, issues=20, now=NOW, rate_limit=5)
    running = start_simulator(simulator)
    try:
        url = f"{running.site_url('acme')}/rest/api/3/myself"
        with _session(DEMO_EMAIL, DEMO_TOKEN) as session:
            answers = [session.get(url, timeout=5) for _ in range(7)]
            assert [a.status_code for a in answers[:5]] == [200] * 5
            assert answers[4].headers["X-RateLimit-NearLimit"] == "true"
            refused = answers[5]
            assert refused.status_code == 429
            assert refused.headers["Retry-After"] == "1"
            assert refused.headers["RateLimit-Reason"] == "jira-burst-based"
            assert refused.headers["X-RateLimit-Limit"] == "5"
            assert refused.headers["X-RateLimit-Remaining"] == "0"
            # The same request again at once, before Retry-After: counted.
            session.get(url, timeout=5)
            # Another site has a bucket of its own.
            other = f"{running.site_url('globex')}/rest/api/3/myself"
            assert session.get(other, timeout=5).status_code == 200
        stats = requests.get(f"{running.url}/_sim/stats", timeout=5).json()["rate_limit"]
        acme = stats["sites"]["acme"]
        assert (acme["accepted"], acme["throttled"]) == (5, 3)
        assert acme["early_retries"] == 2
        assert stats["sites"]["globex"]["accepted"] == 1
    finally:
        running.stop()


def test_the_same_seed_gives_the_same_data_and_sites_differ():
    def first_page(seed, subdomain):
        running = start_simulator(JiraSimulator(seed=seed, issues=300, now=NOW))
        try:
            body = {"jql": ALL_PROJECTS + STABLE_ORDER, "fields": ["*all"], "expand": "changelog"}
            url = f"{running.site_url(subdomain)}/rest/api/3/search/jql"
            text = requests.post(url, json=body, auth=(DEMO_EMAIL, DEMO_TOKEN), timeout=10).text
            return text.replace(running.url, "http://sim")
        finally:
            running.stop()

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


# -- mutations -------------------------------------------------------------------------------


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


# -- faults and counters ---------------------------------------------------------------------


def test_rate_limit_faults_carry_retry_after_and_are_recorded():
    simulator = JiraSimulator(
        seed=2, issues=50, now=NOW, fault_rate=1.0, fault_kinds=("rate_limit",)
    )
    running = start_simulator(simulator)
    try:
        base = running.site_url("acme")
        response = requests.get(
            f"{base}/rest/api/3/myself", auth=(DEMO_EMAIL, DEMO_TOKEN), timeout=5
        )
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "1"
        assert response.headers["RateLimit-Reason"]
        assert requests.get(f"{base}/rest/api/3/serverInfo", timeout=5).status_code == 200
        assert [(f.kind, f.path) for f in simulator.fault_log] == [
            ("rate_limit", "/s/acme/rest/api/3/myself")
        ]
        assert [r.status for r in simulator.request_log] == [429, 200]
    finally:
        running.stop()


def test_other_faults_reset_the_connection_or_truncate_the_body():
    simulator = JiraSimulator(seed=2, issues=50, now=NOW, fault_rate=1.0, fault_kinds=("reset",))
    running = start_simulator(simulator)
    try:
        url = f"{running.site_url('acme')}/rest/api/3/myself"
        with pytest.raises(requests.ConnectionError):
            requests.get(url, auth=(DEMO_EMAIL, DEMO_TOKEN), timeout=5)
        simulator.faults.configure(kinds=["malformed"])
        response = requests.get(url, auth=(DEMO_EMAIL, DEMO_TOKEN), timeout=5)
        assert response.status_code == 200
        with pytest.raises(ValueError):
            response.json()
        simulator.faults.configure(kinds=["slow"], slow_seconds=0.5)
        with pytest.raises(requests.Timeout):
            requests.get(url, auth=(DEMO_EMAIL, DEMO_TOKEN), timeout=0.2)
        assert [f.kind for f in simulator.fault_log] == ["reset", "malformed", "slow"]
    finally:
        running.stop()


def test_the_fault_sequence_is_the_same_for_the_same_seed():
    def sequence(seed):
        injector = FaultInjector(rate=0.3, seed=seed)
        return [injector.decide("GET", "/x") for _ in range(200)]

    assert sequence(9) == sequence(9) != sequence(10)
    assert {kind for kind in sequence(9) if kind} == {
        "rate_limit", "server_error", "unavailable", "malformed", "reset", "slow"
    }  # fmt: skip


def test_requests_are_counted_per_endpoint(server, simulator, demo):
    base = server.site_url("counting")
    before = simulator.request_counts["/rest/api/3/issue/{ref}/remotelink"]
    for issue_id in (10001, 10002, 10003):
        demo.get(f"{base}/rest/api/3/issue/{issue_id}/remotelink", timeout=5)
    assert simulator.request_counts["/rest/api/3/issue/{ref}/remotelink"] == before + 3
    stats = requests.get(f"{server.url}/_sim/stats", timeout=5).json()
    assert stats["request_counts"]["/rest/api/3/issue/{ref}/remotelink"] >= 3
