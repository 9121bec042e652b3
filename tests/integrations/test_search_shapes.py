"""A search page decoded to its shape (integrations/jira/shapes.py) gives the sync exactly
what the page decoded whole gives it: the same records, finished the same way."""

import dataclasses

import orjson
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.jira.shapes import search_page_decoder
from integrations.jira.transport import parse_json
from integrations.jira.workflow import StatusCatalog
from integrations.sync.finish import Workflow, finish
from integrations.sync.mapping import BASE_FIELDS, map_issues
from jira_simulator import DEMO_EMAIL, DEMO_TOKEN, JiraSimulator, start_simulator
from jira_simulator.constants import (
    DEVELOPMENT_FIELD_ID,
    ESTIMATE_FIELD,
    SPRINT_FIELD,
    STORY_POINTS_FIELD,
)

ESTIMATES = (ESTIMATE_FIELD, STORY_POINTS_FIELD)
CUSTOM = [ESTIMATE_FIELD[0], STORY_POINTS_FIELD[0], DEVELOPMENT_FIELD_ID, SPRINT_FIELD[0]]
FIELDS = tuple(BASE_FIELDS + CUSTOM)
RULES = Workflow(catalog=StatusCatalog(), sprint_field=SPRINT_FIELD[0], estimation_fields=ESTIMATES)
MAPPING = {
    "story_points_fields": [ESTIMATE_FIELD[0], STORY_POINTS_FIELD[0]],
    "development_field": DEVELOPMENT_FIELD_ID,
    "sprint_field": SPRINT_FIELD[0],
}


def _finished(page: dict) -> list:
    """The page's records as the sync stores them; the raw changelog (never stored) aside."""
    records, skipped = map_issues(page.get("issues") or [], **MAPPING)
    for record in records:
        finish(record, RULES)
        record.histories = None
    return [dataclasses.astuple(r) for r in records] + [str(s) for s in skipped]


def _both_ways(body: bytes) -> tuple:
    whole = parse_json(body)
    shaped = parse_json(body, search_page_decoder(FIELDS, changelog=True))
    return whole, shaped


@pytest.fixture(scope="module")
def simulated_pages():
    """Three real search pages of the simulator, as the sync asks for them."""
    bodies, token = [], None
    running = start_simulator(JiraSimulator(seed=7, issues=300))
    try:
        url = running.site_url_template.format(subdomain="acme") + "/rest/api/3/search/jql"
        for _ in range(3):
            body = {"jql": "project in (KAN, ENG, PLAT) ORDER BY id", "fields": list(FIELDS)}
            body |= {"expand": "changelog", "maxResults": 100}
            if token:
                body["nextPageToken"] = token
            response = requests.post(url, json=body, auth=(DEMO_EMAIL, DEMO_TOKEN), timeout=30)
            response.raise_for_status()
            bodies.append(response.content)
            token = response.json().get("nextPageToken")
    finally:
        running.stop()
    return bodies


def test_simulated_pages_give_the_same_finished_records(simulated_pages):
    records = 0
    for body in simulated_pages:
        whole, shaped = _both_ways(body)
        assert _finished(shaped) == _finished(whole)
        records += len(whole["issues"])
    assert records == 300
    # Not a page decoded whole by the fallback: what is never read was left out.
    creator = shaped["issues"][0]["fields"]["creator"]
    assert "avatarUrls" in whole["issues"][0]["fields"]["creator"]
    assert "avatarUrls" not in creator and creator["accountId"]


def test_the_sites_own_fields_and_documents_are_decoded_whole(simulated_pages):
    whole, shaped = _both_ways(simulated_pages[0])
    for raw, kept in zip(whole["issues"], shaped["issues"], strict=True):
        for field in [*CUSTOM, "description", "summary", "labels"]:
            assert kept["fields"].get(field) == raw["fields"].get(field)
        bodies = [c["body"] for c in kept["fields"]["comment"]["comments"]]
        assert bodies == [c["body"] for c in raw["fields"]["comment"]["comments"]]


@pytest.mark.parametrize(
    "page",
    [
        {"issues": [{"id": "1", "key": "A-1", "fields": {"status": "Done"}}]},
        {"issues": ["A-1", {"id": "2", "fields": {"created": "2026-01-01T00:00:00.000+0000"}}]},
        {"issues": [{"id": "1", "fields": []}]},
        {"issues": {"id": "1"}},
        [{"id": "1"}],
        {"issues": [{"id": "1", "changelog": {"histories": [["not", "an", "object"]]}}]},
    ],
)
def test_a_page_of_another_shape_is_decoded_whole(page):
    body = orjson.dumps(page)
    whole, shaped = _both_ways(body)
    assert shaped == whole == page


def test_what_isnt_json_is_refused_as_without_a_shape():
    shape = search_page_decoder(FIELDS, changelog=True)
    for body in (b'{"issues": [', b"", b"\xff\xfe"):
        with pytest.raises(ValueError, match="not JSON"):
            parse_json(body, shape)
    assert parse_json(b'{"issues": [], "total": NaN}', shape)["issues"] == []


# Any JSON in any place the shape names: the records are the same either way.
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_date = st.sampled_from(["2026-01-02T03:04:05.000+0000", "2026-02-01T00:00:00.000+0100", "x"])
_user = st.fixed_dictionaries(
    {"accountId": st.sampled_from(["a1", "b2", ""]), "displayName": st.text(max_size=5)},
    optional={"avatarUrls": _json, "accountType": st.sampled_from(["atlassian", "app"])},
)
_item = st.fixed_dictionaries(
    {"field": st.sampled_from(["status", "assignee", "Sprint", "RemoteIssueLink", "x"])},
    optional={
        "fieldId": st.sampled_from(["status", "assignee", SPRINT_FIELD[0], ESTIMATE_FIELD[0]]),
        "from": _json,
        "fromString": _json,
        "to": _json,
        "toString": _json,
        "fieldtype": _json,
    },
)
_history = st.fixed_dictionaries(
    {"id": st.sampled_from(["1", "22", "x"]), "created": _date},
    optional={"author": _user | _json, "items": st.lists(_item | _json, max_size=3)},
)
_fields = st.fixed_dictionaries(
    {"created": _date},
    optional={
        "summary": _json,
        "updated": _date,
        "status": st.fixed_dictionaries(
            {"name": _json}, optional={"statusCategory": _json, "iconUrl": _json}
        )
        | _json,
        "creator": _user | _json,
        "assignee": _user | _json,
        "components": st.lists(st.fixed_dictionaries({"name": _json}) | _json, max_size=2),
        "comment": st.fixed_dictionaries(
            {"comments": st.lists(_json, max_size=2)}, optional={"total": _json}
        ),
        SPRINT_FIELD[0]: _json,
        ESTIMATE_FIELD[0]: _json,
    },
)
_issue = st.fixed_dictionaries(
    {"id": st.sampled_from(["10001", "10002", 10003, "x"]), "fields": _fields | _json},
    optional={
        "key": _json,
        "changelog": st.fixed_dictionaries(
            {"histories": st.lists(_history | _json, max_size=3)}, optional={"total": _json}
        ),
    },
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_issue, max_size=3))
def test_any_page_gives_the_same_records_either_way(issues):
    whole, shaped = _both_ways(orjson.dumps({"issues": issues}))
    assert _finished(shaped) == _finished(whole)
