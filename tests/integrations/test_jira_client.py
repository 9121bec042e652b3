"""JiraClient against `responses` mocks: auth, error mapping, retries, paging, hygiene."""

import base64
import email.utils
import json
import math
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from responses import matchers

from integrations.jira import session as session_module
from integrations.jira.client import JiraClient
from integrations.jira.errors import (
    JiraAuthError,
    JiraBadRequestError,
    JiraError,
    JiraForbiddenError,
    JiraGoneError,
    JiraNotFoundError,
    JiraRateLimitedError,
    JiraRequestsStopped,
    JiraResponseTooLargeError,
    JiraTimeoutError,
    JiraUnavailableError,
    parse_retry_after,
)
from integrations.jira.session import USER_AGENT
from integrations.jira.transport import Limits, bounded_session, parse_json

BASE = "https://acme.atlassian.net"
EMAIL = "canary-user@example.com"
TOKEN = "CANARY-TOKEN-7f3a9c1e5b"
BASIC = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
SECRETS = (TOKEN, EMAIL, BASIC)


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def sleeps():
    return Sleeps()


def make(sleeps, **kwargs):
    kwargs.setdefault("email", EMAIL)
    kwargs.setdefault("api_token", TOKEN)
    return JiraClient(base_url=BASE, sleep=sleeps, **kwargs)


def assert_clean(exc):
    text = str(exc) + repr(exc) + "".join(traceback.format_exception(exc))
    for secret in SECRETS:
        assert secret not in text


def query(call):
    return parse_qs(urlsplit(call.request.url).query)


# -- auth and headers ---------------------------------------------------------------


def test_basic_auth_and_headers(rsps, sleeps):
    rsps.get(f"{BASE}/rest/api/3/myself", json={"accountId": "a1", "timeZone": "Europe/Berlin"})
    me = make(sleeps).myself()
    assert me["timeZone"] == "Europe/Berlin"
    headers = rsps.calls[0].request.headers
    assert headers["Authorization"] == f"Basic {BASIC}"
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"] == USER_AGENT == "pensero-jira-sync/0.1 (+self-hosted)"


def test_bearer_auth(rsps, sleeps):
    base = "https://api.atlassian.com/ex/jira/11111111-2222"
    rsps.get(f"{base}/rest/api/3/myself", json={"accountId": "a1"})
    client = JiraClient(base_url=base, access_token=TOKEN, sleep=sleeps)
    client.myself()
    assert rsps.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in repr(client)
    assert TOKEN not in repr(client._session.auth)


def test_anonymous_server_info(rsps, sleeps):
    rsps.get(f"{BASE}/rest/api/3/serverInfo", json={"deploymentType": "Cloud"})
    client = JiraClient(base_url=BASE, sleep=sleeps)
    assert client.server_info()["deploymentType"] == "Cloud"
    assert "Authorization" not in rsps.calls[0].request.headers


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_url": "ftp://acme.atlassian.net"},
        {"base_url": "acme.atlassian.net"},
        {"base_url": f"https://{EMAIL}:{TOKEN}@acme.atlassian.net"},
        {"base_url": BASE + "?x=1"},
        {"base_url": BASE, "email": EMAIL},
        {"base_url": BASE, "api_token": TOKEN},
        {"base_url": BASE, "email": EMAIL, "api_token": TOKEN, "access_token": TOKEN},
        {"base_url": BASE, "max_attempts": 0},
    ],
)
def test_bad_construction(kwargs):
    with pytest.raises(ValueError) as info:
        JiraClient(**kwargs)
    assert_clean(info.value)


def test_repr_and_attributes_hide_secrets(sleeps):
    client = make(sleeps)
    assert "acme.atlassian.net" in repr(client)
    for secret in SECRETS:
        assert secret not in repr(client) and secret not in str(client)
        for value in vars(client).values():
            assert secret not in repr(value)
        assert secret not in repr(client._session.auth)


# -- error mapping ----------------------------------------------------------------


def test_401_is_auth_error_without_secrets(rsps, sleeps):
    rsps.get(f"{BASE}/rest/api/3/myself", status=401, json={"code": 401, "message": "Unauthorized"})
    with pytest.raises(JiraAuthError) as info:
        make(sleeps).myself()
    err = info.value
    assert err.permanent and err.status == 401
    assert "GET /rest/api/3/myself -> HTTP 401" in str(err)
    assert len(rsps.calls) == 1 and sleeps == []
    assert_clean(err)


def test_400_surfaces_error_messages_and_is_not_retried(rsps, sleeps):
    body = {
        "errorMessages": ["The value 'XYZ' does not exist for the field 'project'."],
        "errors": {"jql": "Bad JQL"},
    }
    rsps.post(f"{BASE}/rest/api/3/search/jql", status=400, json=body)
    with pytest.raises(JiraBadRequestError) as info:
        make(sleeps).search_jql(jql=f"project in (XYZ) AND x = '{TOKEN}'", fields=["summary"])
    err = info.value
    assert err.error_messages == [
        "The value 'XYZ' does not exist for the field 'project'.",
        "jql: Bad JQL",
    ]
    assert "does not exist for the field 'project'" in err.message
    assert "POST /rest/api/3/search/jql -> HTTP 400" in str(err)
    assert err.permanent and len(rsps.calls) == 1
    assert_clean(err)  # the request body (with TOKEN in it) is never echoed


@pytest.mark.parametrize(
    ("status", "cls"),
    [(403, JiraForbiddenError), (404, JiraNotFoundError), (410, JiraGoneError), (405, JiraError)],
)
def test_permanent_statuses_not_retried(rsps, sleeps, status, cls):
    rsps.get(f"{BASE}/rest/api/3/issue/10042/remotelink", status=status, json={"errorMessages": []})
    with pytest.raises(cls) as info:
        make(sleeps).remote_links(10042)
    assert info.value.status == status and info.value.permanent
    assert len(rsps.calls) == 1 and sleeps == []


def test_410_legacy_search(rsps, sleeps):
    msg = "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."
    rsps.get(f"{BASE}/rest/api/3/field", status=410, json={"errorMessages": [msg], "errors": {}})
    with pytest.raises(JiraGoneError, match="migrate"):
        make(sleeps).fields()


def test_error_path_excludes_query_string(rsps, sleeps):
    rsps.get(f"{BASE}/rest/dev-status/latest/issue/summary", status=404)
    with pytest.raises(JiraNotFoundError) as info:
        make(sleeps).dev_status_summary(10042)
    assert "issueId" not in str(info.value) and "10042" not in str(info.value)
    assert info.value.path == "/rest/dev-status/latest/issue/summary"


# -- retries ------------------------------------------------------------------------


def test_429_waits_at_least_retry_after_then_succeeds(rsps, sleeps):
    url = f"{BASE}/rest/api/3/status"
    rsps.get(url, status=429, headers={"Retry-After": "7", "RateLimit-Reason": "jira-burst-based"})
    rsps.get(url, json=[{"id": "1"}])
    client = make(sleeps)
    assert client.statuses() == [{"id": "1"}]
    assert sleeps == [7.0]
    assert client.wait_seconds == 7.0
    assert client.request_count == 2


def test_429_with_http_date_retry_after(rsps, sleeps):
    url = f"{BASE}/rest/api/3/status"
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    rsps.get(url, status=429, headers={"Retry-After": when})
    rsps.get(url, json=[])
    make(sleeps).statuses()
    assert len(sleeps) == 1 and 28 <= sleeps[0] <= 30


def test_retry_after_longer_than_cap_gives_up_without_waiting_less(rsps, sleeps):
    url = f"{BASE}/rest/api/3/status"
    rsps.get(url, status=429, headers={"Retry-After": "120"})
    with pytest.raises(JiraRateLimitedError) as info:
        make(sleeps, max_retry_after=60).statuses()
    assert info.value.retry_after == 120
    assert sleeps == [] and len(rsps.calls) == 1


def test_429_without_retry_after_backs_off(rsps, sleeps):
    url = f"{BASE}/rest/api/3/status"
    rsps.get(url, status=429)
    rsps.get(url, json=[])
    make(sleeps).statuses()
    assert len(sleeps) == 1 and 0.7 <= sleeps[0] <= 1.3


def test_503_with_retry_after(rsps, sleeps):
    url = f"{BASE}/rest/api/3/myself"
    rsps.get(url, status=503, headers={"Retry-After": "5"})
    rsps.get(url, json={"accountId": "a"})
    assert make(sleeps).myself() == {"accountId": "a"}
    assert sleeps == [5.0]


def test_500_backs_off_exponentially_then_gives_up(rsps, sleeps):
    rsps.get(f"{BASE}/rest/api/3/myself", status=500, body="<html>oops</html>")
    client = make(sleeps, max_attempts=4)
    with pytest.raises(JiraUnavailableError) as info:
        client.myself()
    assert info.value.status == 500 and not info.value.permanent
    assert len(rsps.calls) == 4 and client.request_count == 4
    assert len(sleeps) == 3
    for slept, base in zip(sleeps, [1, 2, 4], strict=True):
        assert 0.7 * base <= slept <= 1.3 * base
    assert client.wait_seconds == pytest.approx(sum(sleeps))
    assert_clean(info.value)


def test_backoff_is_capped(monkeypatch, sleeps):
    monkeypatch.setattr(session_module.random, "uniform", lambda a, b: 1.0)
    client = make(sleeps)
    assert [client._backoff(n) for n in (1, 2, 3, 4, 5, 6, 10)] == [1, 2, 4, 8, 16, 30, 30]


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_errors_retried(rsps, sleeps, status):
    url = f"{BASE}/rest/api/3/myself"
    rsps.get(url, status=status)
    rsps.get(url, json={"accountId": "a"})
    assert make(sleeps).myself() == {"accountId": "a"}
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    "exc",
    [
        requests.exceptions.ConnectTimeout("connect timed out"),
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectionError("refused"),
    ],
)
def test_timeouts_and_connection_errors_retried(rsps, sleeps, exc):
    url = f"{BASE}/rest/api/3/myself"
    rsps.get(url, body=exc)
    rsps.get(url, json={"accountId": "a"})
    assert make(sleeps).myself() == {"accountId": "a"}
    assert len(sleeps) == 1


def test_timeouts_give_up_after_max_attempts(rsps, sleeps):
    rsps.get(f"{BASE}/rest/api/3/myself", body=requests.exceptions.ReadTimeout(f"x {TOKEN}"))
    with pytest.raises(JiraUnavailableError) as info:
        make(sleeps, max_attempts=3).myself()
    assert "timed out" in str(info.value)
    assert len(rsps.calls) == 3 and len(sleeps) == 2
    assert info.value.__context__ is None and info.value.__cause__ is None
    assert_clean(info.value)


def test_timeouts_are_tried_again_at_most_twice(rsps, sleeps):
    url = f"{BASE}/rest/api/3/myself"
    for _ in range(3):
        rsps.get(url, body=requests.exceptions.ReadTimeout("slow"))
    rsps.get(url, json={"accountId": "a"})
    with pytest.raises(JiraTimeoutError, match="took too long"):
        make(sleeps, max_attempts=5).myself()
    assert len(rsps.calls) == 3 and len(sleeps) == 2


def test_timeout_retries_are_a_limit(rsps, sleeps):
    url = f"{BASE}/rest/api/3/myself"
    rsps.get(url, body=requests.exceptions.ConnectTimeout("slow"))
    with pytest.raises(JiraTimeoutError):
        make(sleeps, limits=Limits(timeout_retries=0)).myself()
    assert len(rsps.calls) == 1 and sleeps == []


def test_a_body_over_the_size_cap_is_refused_and_not_retried(rsps, sleeps):
    rsps.post(f"{BASE}/rest/api/3/search/jql", body=b'{"issues": [], "x": "' + b"a" * 5000 + b'"}')
    client = make(sleeps, limits=Limits(max_body_bytes=4096))
    with pytest.raises(JiraResponseTooLargeError) as info:
        client.search_jql(jql="project = A", fields=["id"])
    assert "larger than" in info.value.message and info.value.permanent
    assert "POST /rest/api/3/search/jql" in str(info.value)
    assert len(rsps.calls) == 1 and sleeps == []


def test_a_body_under_the_size_cap_is_read(rsps, sleeps):
    rsps.get(f"{BASE}/rest/api/3/myself", json={"accountId": "a", "pad": "x" * 3000})
    assert make(sleeps, limits=Limits(max_body_bytes=4096)).myself()["accountId"] == "a"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # RecursionError in the json module
        b'{"a": ' * 50_000 + b"1" + b"}" * 50_000,
        b"\xff\xfe\x00garbage",  # not UTF-8 or any JSON encoding
        b'{"a": 1',  # cut short
        b"NaN-ish",
    ],
)
def test_any_undecodable_json_is_the_same_retried_error(rsps, sleeps, body):
    url = f"{BASE}/rest/api/3/myself"
    rsps.get(url, body=body)
    rsps.get(url, json={"accountId": "a"})
    assert make(sleeps).myself() == {"accountId": "a"}
    assert len(rsps.calls) == 2 and len(sleeps) == 1


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "Überblick"}'.encode("utf-16"),
        b'{"a": 1.5, "b": "\\u00e9", "c": [true, false, null], "d": -12}',
    ],
)
def test_what_the_json_module_reads_is_read_the_same(body):
    assert parse_json(body) == json.loads(body)


def test_an_integer_past_64_bits_is_read_as_a_float():
    # Jira never sends one; a hostile site's can't reach the database as an integer.
    assert parse_json(b'{"id": 123456789012345678901234567890}') == {"id": 1.2345678901234568e29}


def test_nan_is_read_as_the_json_module_reads_it():
    assert math.isnan(parse_json(b'{"points": NaN}')["points"])


def test_deeply_nested_error_body_still_maps_the_status(rsps, sleeps):
    rsps.get(f"{BASE}/rest/api/3/myself", status=401, body=b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(JiraAuthError):
        make(sleeps).myself()


def test_malformed_json_retried_then_raises(rsps, sleeps):
    rsps.get(f"{BASE}/rest/api/3/myself", body="<html>login</html>", status=200)
    with pytest.raises(JiraUnavailableError, match="not valid JSON"):
        make(sleeps, max_attempts=3).myself()
    assert len(rsps.calls) == 3 and len(sleeps) == 2


def test_redirects_are_never_followed(rsps, sleeps):
    rsps.get(
        f"{BASE}/rest/api/3/myself",
        status=302,
        headers={"Location": "http://169.254.169.254/latest/meta-data"},
    )
    rsps.get("http://169.254.169.254/latest/meta-data", json={"secret": True})
    with pytest.raises(JiraUnavailableError, match="redirect"):
        make(sleeps).myself()
    assert [c.request.url for c in rsps.calls] == [f"{BASE}/rest/api/3/myself"]


@pytest.mark.parametrize("status", [500, 429, 503])
def test_max_attempts_one_disables_retries(rsps, sleeps, status):
    rsps.get(f"{BASE}/rest/api/3/myself", status=status, headers={"Retry-After": "1"})
    with pytest.raises((JiraUnavailableError, JiraRateLimitedError)):
        make(sleeps, max_attempts=1).myself()
    assert len(rsps.calls) == 1 and sleeps == []


def test_request_count_is_thread_safe(rsps, sleeps):
    rsps.get(f"{BASE}/rest/api/3/myself", json={"accountId": "a"})
    client = make(sleeps)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: client.myself(), range(40)))
    assert client.request_count == 40


def test_parse_retry_after():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    past = email.utils.formatdate(time.time() - 100, usegmt=True)
    assert parse_retry_after(past) == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0


# -- paging and operations -------------------------------------------------------


def test_search_jql_pages_until_no_token(rsps, sleeps):
    url = f"{BASE}/rest/api/3/search/jql"
    rsps.post(url, json={"issues": [{"id": "1"}], "nextPageToken": "t1", "isLast": False})
    rsps.post(url, json={"issues": [{"id": "2"}], "nextPageToken": "t2", "isLast": False})
    rsps.post(url, json={"issues": [{"id": "3"}]})
    client = make(sleeps)
    pages = list(
        client.iter_search_pages(
            jql="project in (ABC) ORDER BY created ASC, key ASC",
            fields=["summary", "status"],
            expand="changelog",
            reconcile_issues=[10042],
        )
    )
    assert [p["issues"][0]["id"] for p in pages] == ["1", "2", "3"]
    bodies = [json.loads(c.request.body) for c in rsps.calls]
    assert "nextPageToken" not in bodies[0]
    assert [b.get("nextPageToken") for b in bodies[1:]] == ["t1", "t2"]
    for body in bodies:
        assert body["fields"] == ["summary", "status"]
        assert body["expand"] == "changelog"
        assert body["maxResults"] == 100
        assert body["reconcileIssues"] == [10042]


def test_search_jql_decodes_only_what_the_sync_reads(rsps, sleeps):
    user = {"accountId": "a1", "displayName": "Ana", "avatarUrls": {"48x48": "https://x/a.png"}}
    issue = {
        "id": "1",
        "self": "https://acme.atlassian.net/rest/api/3/issue/1",
        "fields": {"assignee": user, "customfield_1": {"avatarUrls": "kept: asked for by id"}},
        "changelog": {"histories": [{"id": "9", "author": user, "items": []}]},
    }
    rsps.post(f"{BASE}/rest/api/3/search/jql", json={"issues": [issue], "isLast": True})
    page = make(sleeps).search_jql(
        jql="project = A", fields=["assignee", "customfield_1"], expand="changelog"
    )
    (read,) = page["issues"]
    assert read["fields"]["assignee"] == {"accountId": "a1", "displayName": "Ana"}
    assert read["changelog"]["histories"][0]["author"] == read["fields"]["assignee"]
    assert read["fields"]["customfield_1"] == issue["fields"]["customfield_1"]
    assert "self" not in read


def test_search_jql_stops_on_is_last(rsps, sleeps):
    rsps.post(
        f"{BASE}/rest/api/3/search/jql",
        json={"issues": [], "nextPageToken": "ignored", "isLast": True},
    )
    assert len(list(make(sleeps).iter_search_pages(jql="project = A", fields=["id"]))) == 1
    assert len(rsps.calls) == 1


def test_search_jql_requires_fields_and_jql(sleeps):
    client = make(sleeps)
    with pytest.raises(ValueError):
        client.search_jql(jql="project = A", fields=[])
    with pytest.raises(ValueError):
        client.search_jql(jql="  ", fields=["id"])


def test_search_jql_limits_reconcile_issues(sleeps):
    with pytest.raises(ValueError):
        make(sleeps).search_jql(jql="project = A", fields=["id"], reconcile_issues=list(range(51)))


def test_501_is_not_retried(rsps, sleeps):
    rsps.get(f"{BASE}/rest/api/3/myself", status=501)
    with pytest.raises(JiraUnavailableError):
        make(sleeps).myself()
    assert len(rsps.calls) == 1 and sleeps == []


def test_approximate_count(rsps, sleeps):
    rsps.post(
        f"{BASE}/rest/api/3/search/approximate-count",
        json={"count": 153},
        match=[matchers.json_params_matcher({"jql": "project = A"})],
    )
    assert make(sleeps).approximate_count("project = A") == 153


def test_project_search_chunks_keys_by_50(rsps, sleeps):
    keys = [f"K{i}" for i in range(120)]

    def callback(request):
        asked = parse_qs(urlsplit(request.url).query)["keys"]
        values = [{"id": k, "key": k} for k in asked if k != "K7"]  # one invisible
        return 200, {}, json.dumps({"values": values, "isLast": True, "total": len(values)})

    rsps.add_callback(responses.GET, f"{BASE}/rest/api/3/project/search", callback=callback)
    projects = make(sleeps).search_projects(keys + ["K1"])
    assert len(rsps.calls) == 3
    assert [len(query(c)["keys"]) for c in rsps.calls] == [50, 50, 20]
    assert all(query(c)["maxResults"] == ["100"] for c in rsps.calls)
    assert [p["key"] for p in projects] == [k for k in keys if k != "K7"]


def test_project_search_pages_all(rsps, sleeps):
    url = f"{BASE}/rest/api/3/project/search"
    rsps.get(url, json={"values": [{"key": f"P{i}"} for i in range(100)], "isLast": False})
    rsps.get(url, json={"values": [{"key": "LAST"}], "isLast": True})
    projects = make(sleeps).search_projects()
    assert len(projects) == 101
    assert [query(c)["startAt"] for c in rsps.calls] == [["0"], ["100"]]


def test_project_search_empty_and_bad_keys(rsps, sleeps):
    client = make(sleeps)
    assert client.search_projects([]) == []
    with pytest.raises(ValueError):
        client.search_projects(["ABC&keys=X"])
    assert len(rsps.calls) == 0


def test_comments_paging(rsps, sleeps):
    url = f"{BASE}/rest/api/3/issue/10042/comment"
    page1 = [{"id": str(i)} for i in range(100)]
    page2 = [{"id": str(i)} for i in range(100, 150)]
    rsps.get(url, json={"startAt": 0, "maxResults": 100, "total": 150, "comments": page1})
    rsps.get(url, json={"startAt": 100, "maxResults": 100, "total": 150, "comments": page2})
    comments = list(make(sleeps).iter_issue_comments("10042"))
    assert len(comments) == 150
    assert [query(c)["startAt"] for c in rsps.calls] == [["0"], ["100"]]
    assert all(query(c)["orderBy"] == ["created"] for c in rsps.calls)


def test_single_comment_page(rsps, sleeps):
    rsps.get(f"{BASE}/rest/api/3/issue/ABC-7/comment", json={"comments": [], "total": 0})
    assert make(sleeps).issue_comments("ABC-7", start_at=5)["total"] == 0
    assert query(rsps.calls[0]) == {"startAt": ["5"], "maxResults": ["100"], "orderBy": ["created"]}


def test_changelog_paging(rsps, sleeps):
    url = f"{BASE}/rest/api/3/issue/10042/changelog"
    rsps.get(url, json={"values": [{"id": "1"}, {"id": "2"}], "total": 3, "isLast": False})
    rsps.get(url, json={"values": [{"id": "3"}], "total": 3, "isLast": True})
    assert [h["id"] for h in make(sleeps).iter_issue_changelog(10042)] == ["1", "2", "3"]
    assert [query(c)["startAt"] for c in rsps.calls] == [["0"], ["2"]]


@pytest.mark.parametrize(
    "bad", ["../../admin", "10042/../x", "abc-1", "ABC-7?x=1", "10 42", "", "ABC-", True, 1.5, None]
)
def test_issue_ids_are_validated(rsps, sleeps, bad):
    client = make(sleeps)
    for call in (client.remote_links, client.iter_issue_changelog, client.issue_comments):
        with pytest.raises(ValueError):
            call(bad)
    assert len(rsps.calls) == 0


def test_dev_status_needs_numeric_id_and_a_plain_application_type(sleeps):
    with pytest.raises(ValueError):
        make(sleeps).dev_status_pull_requests("ABC-7", "GitHub")
    with pytest.raises(ValueError):
        make(sleeps).dev_status_pull_requests("10042", "GitHub&dataType=branch")


def test_dev_status_instance_types_come_from_the_summary(rsps, sleeps):
    rsps.get(
        f"{BASE}/rest/dev-status/latest/issue/summary",
        json={
            "errors": [],
            "summary": {
                "pullrequest": {
                    "overall": {"count": 3, "state": "MERGED"},
                    "byInstanceType": {
                        "GitHub": {"count": 1, "name": "GitHub"},
                        "oAuth-com.github.integration.production": {"count": 2, "name": "GitHub"},
                    },
                }
            },
        },
        match=[matchers.query_param_matcher({"issueId": "10042"})],
    )
    assert make(sleeps).dev_status_instance_types(10042) == [
        "GitHub",
        "oAuth-com.github.integration.production",
    ]


def test_dev_status_pull_requests_of_one_application_type(rsps, sleeps):
    pr12 = {"id": "#12", "status": "MERGED", "url": "https://github.com/org/repo/pull/12"}
    pr13 = {"id": "#13", "status": "OPEN", "url": "https://github.com/org/repo/pull/13"}
    rsps.get(
        f"{BASE}/rest/dev-status/latest/issue/detail",
        json={"errors": [], "detail": [{"pullRequests": [pr12, pr13, "junk"], "branches": []}]},
        match=[
            matchers.query_param_matcher(
                {
                    "issueId": "10042",
                    "applicationType": "oAuth-com.github.integration.production",
                    "dataType": "pullrequest",
                }
            )
        ],
    )
    prs = make(sleeps).dev_status_pull_requests(10042, "oAuth-com.github.integration.production")
    assert [p["url"] for p in prs] == [pr12["url"], pr13["url"]]


def test_dev_status_without_prs_lists_no_instance_type(rsps, sleeps):
    rsps.get(f"{BASE}/rest/dev-status/latest/issue/summary", json={"errors": [], "summary": {}})
    assert make(sleeps).dev_status_instance_types("10042") == []
    assert len(rsps.calls) == 1


def test_unexpected_shape_is_unavailable(rsps, sleeps):
    rsps.get(f"{BASE}/rest/api/3/myself", json=["not", "a", "dict"])
    with pytest.raises(JiraUnavailableError):
        make(sleeps).myself()


def test_canary_never_leaks_in_any_error(rsps, sleeps):
    url = f"{BASE}/rest/api/3/myself"
    scenarios = [
        {"status": 401, "json": {"errorMessages": []}},
        {"status": 403},
        {"status": 404},
        {"status": 400, "json": {"errorMessages": ["bad"]}},
        {"status": 429, "headers": {"Retry-After": "999"}},
        {"status": 500},
        {"status": 301, "headers": {"Location": "https://evil.example/"}},
        {"status": 200, "body": "not json"},
        {"body": requests.exceptions.ConnectionError(f"boom {TOKEN}")},
    ]
    client = make(sleeps, max_attempts=2)
    for kwargs in scenarios:
        rsps.reset()
        rsps.get(url, **kwargs)
        with pytest.raises(JiraError) as info:
            client.myself()
        assert_clean(info.value)
    assert all(secret not in repr(client) for secret in SECRETS)


@pytest.mark.parametrize(
    "url", ["https://acme.atlassian.net/rest/api/3/myself", "http://127.0.0.1:8080/s/acme/x?a=1"]
)
def test_the_adapter_picks_the_host_and_path_requests_would(url):
    # BoundedAdapter skips requests' proxy lookups and has a connection pool of its own;
    # where it connects and what path it sends must not change with it (this fails first
    # if an upgrade of requests changes what its own methods pick).
    session = bounded_session()
    adapter = session.get_adapter(url)
    request = requests.Request("GET", url).prepare()
    ours = adapter.get_connection_with_tls_context(request, True, proxies={}, cert=None)
    theirs = requests.adapters.HTTPAdapter.get_connection_with_tls_context(
        adapter, request, True, proxies={}, cert=None
    )
    assert (ours.scheme, ours.host, ours.port) == (theirs.scheme, theirs.host, theirs.port)
    assert ours is adapter.get_connection_with_tls_context(request, True, proxies={}, cert=None)
    assert adapter.request_url(request, {}) == requests.adapters.HTTPAdapter.request_url(
        adapter, request, {}
    )


# -- Agile API: boards ------------------------------------------------------------------


def test_board_reads_one_board_of_the_agile_api(rsps, sleeps):
    rsps.get(
        f"{BASE}/rest/agile/1.0/board/84",
        json={"id": 84, "name": "ENG board", "type": "scrum", "self": f"{BASE}/x"},
    )
    assert make(sleeps).board(84)["name"] == "ENG board"
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    ("status", "cls"),
    [(401, JiraAuthError), (403, JiraForbiddenError), (404, JiraNotFoundError)],
)
def test_a_board_the_connection_may_not_read_is_a_permanent_error(rsps, sleeps, status, cls):
    body = {"code": 401, "message": "Unauthorized; scope does not match"}
    rsps.get(f"{BASE}/rest/agile/1.0/board/2", status=status, json=body)
    with pytest.raises(cls) as info:
        make(sleeps).board(2)
    assert info.value.permanent and len(rsps.calls) == 1 and sleeps == []
    assert_clean(info.value)


@pytest.mark.parametrize("board_id", ["2/../../myself", -1, 0, True, "2", 2**63])
def test_board_ids_are_checked_before_they_go_into_the_path(rsps, sleeps, board_id):
    with pytest.raises(ValueError):
        make(sleeps).board(board_id)
    assert len(rsps.calls) == 0


# -- stopping (a cancelled sync) -------------------------------------------------------


def test_a_stopped_client_sends_nothing_more(rsps, sleeps):
    url = f"{BASE}/rest/api/3/myself"
    rsps.get(url, json={"accountId": "a"})
    client = make(sleeps)
    client.myself()
    client.stop()
    with pytest.raises(JiraRequestsStopped) as caught:
        client.myself()
    assert caught.value.permanent
    assert len(rsps.calls) == 1
    assert client.request_count == 1
    assert sleeps == []  # refused at once, not retried


def test_stopping_ends_a_retry_after_wait_at_once(rsps):
    url = f"{BASE}/rest/api/3/myself"
    rsps.get(url, status=429, headers={"Retry-After": "30"})
    client = JiraClient(base_url=BASE, email=EMAIL, api_token=TOKEN)  # the real sleep
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = time.monotonic()
        waiting = pool.submit(client.myself)
        time.sleep(0.3)
        client.stop()  # from another thread, as the sync's own thread does
        with pytest.raises(JiraRequestsStopped):
            waiting.result(timeout=10)
    assert time.monotonic() - started < 5
    assert len(rsps.calls) == 1
