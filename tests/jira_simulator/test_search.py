"""The simulator's enhanced search (/rest/api/3/search/jql): paging, JQL, its errors."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from jira_simulator import (
    DEMO_EMAIL,
    DEMO_TOKEN,
    LIMITED_EMAIL,
    JiraSimulator,
    start_simulator,
)
from tests.jira_simulator.helpers import (
    ALL_PROJECTS,
    NOW,
    STABLE_ORDER,
    jira_session,
    search_all,
)


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
    with (
        start_simulator(JiraSimulator(seed=3, issues=5200, now=NOW)) as running,
        jira_session(DEMO_EMAIL, DEMO_TOKEN) as session,
    ):
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


def test_issue_ids_compare_as_in_jira(server, simulator, demo):
    base = server.site_url("paging")
    ids = sorted(int(i) for i in simulator.site("paging").truth())
    low, high = ids[100], ids[250]
    jql = f"{ALL_PROJECTS} AND id >= {low} AND issue < {high}"
    issues, _ = search_all(demo, base, jql + STABLE_ORDER, max_results=100)
    assert sorted(int(i["id"]) for i in issues) == [i for i in ids if low <= i < high]
    above, _ = search_all(demo, base, f"{ALL_PROJECTS} AND id > {high}", max_results=100)
    assert sorted(int(i["id"]) for i in above) == [i for i in ids if i > high]
    url = f"{base}/rest/api/3/search/jql"
    by_key = {"jql": f"{ALL_PROJECTS} AND key > KAN-3", "fields": ["id"]}
    assert demo.post(url, json=by_key, timeout=5).status_code == 400  # not in the subset
