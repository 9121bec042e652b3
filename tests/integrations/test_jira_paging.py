"""Every paging loop of the client ends, whatever Jira answers (over `responses`)."""

import json

import pytest
import responses

from integrations.jira import paging
from integrations.jira.client import JiraClient

BASE = "https://acme.atlassian.net"
SEARCH = f"{BASE}/rest/api/3/search/jql"
COMMENTS = f"{BASE}/rest/api/3/issue/10042/comment"
CHANGELOG = f"{BASE}/rest/api/3/issue/10042/changelog"
PROJECTS = f"{BASE}/rest/api/3/project/search"


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client():
    return JiraClient(base_url=BASE, email="a@example.com", api_token="t", sleep=lambda s: None)


def _comments(start, count):
    return [{"id": str(n), "body": None} for n in range(start, start + count)]


def _search(rsps, pages):
    """Answer search pages in turn; the last keeps answering."""
    for page in pages:
        rsps.post(SEARCH, json=page)


# -- offset pages (comments, changelog, projects) -------------------------------------


def test_a_page_repeating_the_same_comments_stops_the_loop(rsps, client):
    rsps.get(COMMENTS, json={"comments": _comments(0, 100), "total": 1_000_000_000})
    comments = list(client.iter_issue_comments(10042))
    assert [c["id"] for c in comments] == [str(n) for n in range(100)]
    assert len(rsps.calls) == 2
    [warning] = client.pages_cut_short
    assert "GET /rest/api/3/issue/10042/comment" in warning
    assert "kept sending the same comments" in warning


def test_comments_stop_at_the_most_a_jira_issue_holds(rsps, client):
    def fresh_page(request):
        start = int(request.params["startAt"])
        return 200, {}, json.dumps({"comments": _comments(start, 100), "total": 10**9})

    rsps.add_callback(responses.GET, COMMENTS, callback=fresh_page)
    comments = list(client.iter_issue_comments(10042))
    assert len(comments) == paging.MAX_COMMENTS == 5000
    assert len(rsps.calls) == 50
    [warning] = client.pages_cut_short
    assert "after 5000 of the 1000000000 Jira reported" in warning


def test_a_changelog_that_never_says_is_last_stops(rsps, client):
    rsps.get(
        CHANGELOG,
        json={"values": [{"id": str(n)} for n in range(100)], "total": 10**9, "isLast": False},
    )
    assert len(list(client.iter_issue_changelog(10042))) == 100
    assert "changelog entries" in client.pages_cut_short[0]


def test_projects_with_an_endless_total_stop(rsps, client):
    rsps.get(PROJECTS, json={"values": [{"id": "1", "key": "HOS"}], "total": 10**9})
    assert [p["key"] for p in client.search_projects()] == ["HOS"]
    assert "GET /rest/api/3/project/search" in client.pages_cut_short[0]


def test_duplicates_across_honest_pages_are_dropped(rsps, client):
    rsps.get(COMMENTS, json={"comments": _comments(0, 100), "total": 150})
    # Jira shifted by one between the pages: comment 99 comes again.
    rsps.get(COMMENTS, json={"comments": _comments(99, 51), "total": 150})
    comments = list(client.iter_issue_comments(10042))
    assert len(comments) == 150 and len({c["id"] for c in comments}) == 150
    assert client.pages_cut_short == []


def test_honest_offset_paging_reports_nothing(rsps, client):
    rsps.get(COMMENTS, json={"comments": _comments(0, 100), "total": 130})
    rsps.get(COMMENTS, json={"comments": _comments(100, 30), "total": 130})
    assert len(list(client.iter_issue_comments(10042))) == 130
    assert client.pages_cut_short == []


# -- token pages (search, census) -----------------------------------------------------


def _issues(*ids):
    return [{"id": str(i)} for i in ids]


def test_a_fresh_token_with_the_same_issues_stops(rsps, client):
    def page(request):
        n = len(rsps.calls)
        return 200, {}, json.dumps({"issues": _issues(1, 2), "nextPageToken": f"tok-{n}"})

    rsps.add_callback(responses.POST, SEARCH, callback=page)
    pages = list(client.iter_search_pages(jql="project = A", fields=["id"]))
    assert len(pages) == 2
    [warning] = client.pages_cut_short
    assert "POST /rest/api/3/search/jql" in warning
    assert "issues it had already sent" in warning


def test_alternating_tokens_stop(rsps, client):
    def page(request):
        token = json.loads(request.body).get("nextPageToken")
        n = len(rsps.calls)
        following = "B" if token == "A" else "A"
        return 200, {}, json.dumps({"issues": _issues(n), "nextPageToken": following})

    rsps.add_callback(responses.POST, SEARCH, callback=page)
    pages = list(client.iter_search_pages(jql="project = A", fields=["id"]))
    assert len(pages) == 3  # A, B, then A again
    assert "page token it had already sent" in client.pages_cut_short[0]


def test_the_same_token_twice_stops(rsps, client):
    _search(rsps, [{"issues": _issues(1), "nextPageToken": "same"}])
    rsps.post(SEARCH, json={"issues": _issues(2), "nextPageToken": "same"})
    assert len(list(client.iter_search_pages(jql="project = A", fields=["id"]))) == 2
    assert "already sent" in client.pages_cut_short[0]


def test_far_more_issues_than_counted_stops(rsps, client):
    def page(request):
        n = len(rsps.calls)
        issues = _issues(*range(n * 100, n * 100 + 100))
        return 200, {}, json.dumps({"issues": issues, "nextPageToken": f"tok-{n}"})

    rsps.add_callback(responses.POST, SEARCH, callback=page)
    pages = list(client.iter_search_pages(jql="project = A", fields=["id"], max_issues=450))
    assert len(pages) == 5
    assert "500 issues, far more than the 450 expected" in client.pages_cut_short[0]


def test_endless_empty_pages_stop(rsps, client):
    def page(request):
        return 200, {}, json.dumps({"issues": [], "nextPageToken": f"t{len(rsps.calls)}"})

    rsps.add_callback(responses.POST, SEARCH, callback=page)
    assert len(list(client.iter_search_pages(jql="project = A", fields=["id"]))) == 3
    assert "empty pages" in client.pages_cut_short[0]


def test_honest_search_reports_nothing(rsps, client):
    _search(
        rsps,
        [
            {"issues": _issues(1, 2), "nextPageToken": "t1"},
            {"issues": _issues(3), "nextPageToken": "t2"},
            {"issues": _issues(4)},
        ],
    )
    pages = list(client.iter_search_pages(jql="project = A", fields=["id"], max_issues=4))
    assert [i["id"] for p in pages for i in p["issues"]] == ["1", "2", "3", "4"]
    assert client.pages_cut_short == []


@pytest.mark.parametrize(
    ("expected", "bound"),
    [(None, paging.MAX_SEARCH_ISSUES), (0, 1_000), (100, 1_100), (50_000, 100_000)],
)
def test_search_bound_leaves_room_for_issues_created_while_paging(expected, bound):
    assert paging.search_bound(expected) == bound
