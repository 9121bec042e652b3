"""Shared pieces of the simulator's tests: the fixed clock, and reading a site as a client."""

from datetime import UTC, datetime

import requests

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
ALL_PROJECTS = "project in (KAN, ENG, PLAT)"
STABLE_ORDER = " ORDER BY created ASC, key ASC"


def jira_session(email, token):
    session = requests.Session()
    session.auth = (email, token)
    return session


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
