"""A simulated site's auth, identity and metadata (projects, fields, statuses) over HTTP."""

import requests

from jira_simulator import (
    DEMO_EMAIL,
    DEMO_TOKEN,
    DEVELOPMENT_FIELD_ID,
)


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


def test_the_agile_api_names_boards_the_account_can_see(server, demo, limited):
    base = f"{server.site_url('acme')}/rest/agile/1.0/board"
    eng = demo.get(f"{base}/2", timeout=5)
    assert eng.status_code == 200
    assert (eng.json()["id"], eng.json()["name"], eng.json()["type"]) == (2, "ENG board", "scrum")
    assert eng.json()["location"]["projectKey"] == "ENG"
    assert demo.get(f"{base}/1", timeout=5).json()["type"] == "kanban"
    for missing in ("99", "abc"):
        assert demo.get(f"{base}/{missing}", timeout=5).status_code == 404
    assert limited.get(f"{base}/2", timeout=5).status_code == 404  # ENG is not visible
    assert limited.get(f"{base}/1", timeout=5).status_code == 200
