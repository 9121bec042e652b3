"""The site pacer: requests in flight (AIMD), requests per second, Retry-After, Jira's headers.

Unit tests drive `SitePacer` on a fake clock and the client over `responses`; the
simulator tests run syncs over real HTTP against a site that answers 429 like Jira.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import responses

from integrations.clients import client_for
from integrations.jira.client import JiraClient
from integrations.jira.errors import JiraRateLimitedError
from integrations.jira.pacing import (
    CEILING_FACTOR,
    SLOW_START_FACTOR,
    SLOW_START_RATE,
    SitePacer,
    endpoint_family,
    near_limit,
    seconds_until_reset,
)
from integrations.jira.points import PointsQuota, QuotaSpent
from integrations.models import SyncRun
from integrations.sync.run import sync_connection
from jira_simulator import DEMO_EMAIL, JiraSimulator
from pensero.models import Workspace
from tests.simulated import demo_connection, serving

BASE = "https://acme.atlassian.net"
BURST_429 = {"Retry-After": "2", "RateLimit-Reason": "jira-burst-based"}
REMOTE_LINKS = "GET /rest/api/3/issue/{id}/remotelink"
COMMENTS = "GET /rest/api/3/issue/{id}/comment"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _answer(pacer, clock, status, headers=None, *, latency=0.05, endpoint="GET /x"):
    permit = pacer.acquire(endpoint)
    clock.now += permit.delay
    pacer.sending(permit)
    clock.now += latency
    pacer.release(permit, status=status, headers=headers or {})
    return permit


def _round_trip(pacer, clock, status, headers=None, *, latency=0.05):
    """As many requests as the window allows, sent together, answered together."""
    permits = [pacer.acquire("GET /x") for _ in range(int(pacer.window_of("GET /x")))]
    for permit in permits:
        pacer.sending(permit)
    clock.now += latency
    for permit in permits:
        pacer.release(permit, status=status, headers=headers or {})


def test_a_429_storm_halves_the_window_and_clean_answers_grow_it_back():
    clock = Clock()
    pacer = SitePacer(concurrency=8, clock=clock)
    for _ in range(3):
        _round_trip(pacer, clock, 429)
        clock.now += 0.1
    assert (
        pacer.window_of("GET /x") == 1
    )  # 8 -> 4 -> 2 -> 1: once per round trip, however many 429s
    clock.now += 1.1  # no growth in the second after a cut
    windows = []
    for _ in range(40):
        _round_trip(pacer, clock, 200)
        windows.append(pacer.window_of("GET /x"))
    # One more per round trip after Jira pushed back: back past the start, and on.
    assert windows == sorted(windows) and windows[-1] > 8
    for _ in range(200):
        _round_trip(pacer, clock, 200)
    assert pacer.window_of("GET /x") == 8 * CEILING_FACTOR  # never past the ceiling


def _slow_start(latency: float) -> list[float]:
    """The window after each of ten round trips of clean answers taking `latency`."""
    clock = Clock()
    pacer = SitePacer(concurrency=8, clock=clock)
    clock.now += 1.1
    windows = []
    for _ in range(10):
        _round_trip(pacer, clock, 200, latency=latency)
        windows.append(pacer.window_of("GET /x"))
    return windows


def test_slow_start_reaches_the_same_rate_far_from_jira_as_close_by():
    # Close by (50 ms an answer), three times the start already sends 480 requests a
    # second: slow start ends there, and the window grows by one per round trip after it.
    near = _slow_start(0.05)
    assert near[0] == 16
    assert SLOW_START_FACTOR * 8 <= near[1] < SLOW_START_FACTOR * 8 + 1
    assert near[-1] < SLOW_START_FACTOR * 8 + 10
    # Far (200 ms), the same window sends 120: slow start goes on to SLOW_START_RATE's
    # worth, here past the family's ceiling, in three round trips instead of forty.
    far = _slow_start(0.2)
    assert SLOW_START_RATE * 0.2 > 8 * CEILING_FACTOR
    assert far[:3] == [16, 32, 8 * CEILING_FACTOR]
    assert far[-1] == 8 * CEILING_FACTOR


def test_slow_answers_do_not_grow_the_window():
    clock = Clock()
    pacer = SitePacer(concurrency=4, clock=clock)
    for _ in range(3):
        _round_trip(pacer, clock, 200, latency=0.05)
    grown = pacer.window_of("GET /x")
    assert grown > 4
    for _ in range(20):
        _round_trip(pacer, clock, 200, latency=0.5)  # ten times slower: more would only queue
    assert pacer.window_of("GET /x") == grown


def test_no_more_requests_in_flight_than_the_window():
    pacer = SitePacer(concurrency=3)
    in_flight, peak, lock = [0], [0], threading.Lock()

    def request():
        permit = pacer.acquire("GET /x")
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.02)
        with lock:
            in_flight[0] -= 1
        pacer.release(permit, status=503, headers={})  # unavailable: the window never grows

    threads = [threading.Thread(target=request) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= peak[0] <= 3


def test_the_ceiling_spaces_requests_evenly():
    clock = Clock()
    pacer = SitePacer(concurrency=8, max_per_second=10, clock=clock)
    starts = []
    for _ in range(30):
        permit = pacer.acquire("GET /x")
        clock.now += permit.delay
        starts.append(clock.now)
        pacer.sending(permit)
        pacer.release(permit, status=200, headers={})
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.1 - 1e-9
    assert starts[-1] - starts[0] == pytest.approx(2.9)


def test_a_burst_limit_jira_states_is_kept_to_with_a_margin():
    clock = Clock()
    pacer = SitePacer(concurrency=8, clock=clock)
    _answer(pacer, clock, 429, {**BURST_429, "X-RateLimit-Limit": "20"}, endpoint="GET /a")
    assert pacer.rate_of("GET /a") == pytest.approx(20 * 0.98)
    # The endpoint's limit (GET /a and GET /b are of one family, "other"), not the site's.
    assert pacer.rate_of(REMOTE_LINKS) == pacer.rate == float("inf")
    clock.now += 5
    starts = []
    for endpoint in ["GET /a", "GET /b"] * 20:
        permit = pacer.acquire(endpoint)
        clock.now += permit.delay
        starts.append(clock.now)
        pacer.sending(permit)
        pacer.release(permit, status=200, headers={})
    # Any one second holds fewer requests than the limit, whatever the endpoint.
    assert all(sum(1 for s in starts if t <= s < t + 1) <= 20 for t in starts)


def test_retry_after_pauses_the_throttled_endpoint_only():
    clock = Clock()
    pacer = SitePacer(concurrency=8, clock=clock)
    _answer(pacer, clock, 429, BURST_429, endpoint=REMOTE_LINKS)
    assert pacer.acquire(REMOTE_LINKS).delay == pytest.approx(2 - 0.0, abs=0.06)
    assert pacer.acquire(COMMENTS).delay == 0
    # Without a burst reason the whole site waits.
    _answer(pacer, clock, 429, {"Retry-After": "3"}, endpoint="GET /c")
    assert pacer.acquire(COMMENTS).delay == pytest.approx(3, abs=0.06)


def test_endpoints_are_paced_in_families():
    assert endpoint_family("POST /rest/api/3/search/jql") == "search"
    assert endpoint_family("POST /rest/api/3/search/approximate-count") == "search"
    assert endpoint_family("GET /rest/api/3/project/search") == "other"
    assert endpoint_family(REMOTE_LINKS) == "remote-links"
    assert endpoint_family(COMMENTS) == "comments"
    assert endpoint_family("GET /rest/api/3/issue/{id}/changelog") == "changelog"
    assert endpoint_family("GET /rest/dev-status/latest/issue/detail") == "dev-status"
    assert endpoint_family("GET /rest/api/3/myself") == "other"


def test_a_429_on_one_endpoint_does_not_slow_the_others():
    clock = Clock()
    pacer = SitePacer(concurrency=8, endpoint_per_second=50, clock=clock)
    headers = {**BURST_429, "X-RateLimit-Limit": "10"}
    for _ in range(3):  # a storm, one round trip after another
        _answer(pacer, clock, 429, headers, endpoint=REMOTE_LINKS)
        clock.now += 0.2
    assert pacer.window_of(REMOTE_LINKS) == 1
    assert pacer.rate_of(REMOTE_LINKS) == pytest.approx(10 * 0.98)
    assert pacer.paused_for(REMOTE_LINKS) > 0
    # Every other family keeps its window, its budget and its pace: no wait at all.
    for endpoint in (COMMENTS, "POST /rest/api/3/search/jql", "GET /rest/dev-status/x"):
        assert pacer.window_of(endpoint) == 8
        assert pacer.rate_of(endpoint) == 50
        assert pacer.paused_for(endpoint) == 0
    permits = [pacer.acquire(COMMENTS) for _ in range(8)]  # the whole window, at once...
    assert [p.delay for p in permits] == pytest.approx([i / 50 for i in range(8)])  # ...at 50/s


def test_endpoint_budgets_stay_under_their_limit_with_concurrent_workers():
    per_second, seconds = 40, 2.5
    pacer = SitePacer(concurrency=4, endpoint_per_second=per_second)
    sent: dict[str, list[float]] = {REMOTE_LINKS: [], COMMENTS: []}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(endpoint):
        while time.monotonic() < deadline:
            permit = pacer.acquire(endpoint)
            time.sleep(permit.delay)
            pacer.sending(permit)
            with lock:
                sent[endpoint].append(time.monotonic())
            time.sleep(0.005)
            pacer.release(permit, status=200, headers={})

    threads = [threading.Thread(target=worker, args=(e,)) for e in sent for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for times in sent.values():
        # Under the budget over any two seconds (a few more for the window's edges and
        # threads the busy machine let send a little late), and close to it: each family
        # gets its own budget, not a share of one.
        assert _busiest(times, 2.0) <= 2 * per_second + 3
        assert len(times) >= 0.6 * per_second * seconds


def test_near_limit_headers_ease_off_and_stop_growth():
    assert near_limit({"X-RateLimit-NearLimit": "true"})
    assert near_limit({"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "10"})
    assert near_limit({"RateLimit-Limit": "100", "RateLimit-Remaining": "3"})
    assert not near_limit({"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "90"})
    assert not near_limit({})
    clock = Clock()
    pacer = SitePacer(concurrency=8, clock=clock)
    for _ in range(50):
        _answer(pacer, clock, 200, latency=0.01)
    window = pacer.window_of("GET /x")  # (one at a time: the window doesn't grow unless it's used)
    _answer(pacer, clock, 200, {"X-RateLimit-NearLimit": "true"}, latency=0.01)
    assert pacer.rate_of("GET /x") < 60  # eased off from what it was sending, about 100 a second
    assert pacer.window_of("GET /x") == window


# -- the client --------------------------------------------------------------------------


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_the_client_waits_exactly_retry_after_before_retrying(rsps):
    url = f"{BASE}/rest/api/3/issue/10042/remotelink"
    rsps.get(url, status=429, headers=BURST_429, json={"errorMessages": ["Too many"]})
    rsps.get(url, json=[])
    sleeps = []
    client = JiraClient(base_url=BASE, email="a@x.test", api_token="t", sleep=sleeps.append)
    assert client.remote_links(10042) == []
    assert sleeps == [2.0]
    assert client.pacer.window_of(REMOTE_LINKS) == 4  # halved


def test_the_client_counts_atlassian_points(rsps):
    rsps.post(f"{BASE}/rest/api/3/search/jql", json={"issues": [{"id": "1"}, {"id": "2"}]})
    rsps.get(f"{BASE}/rest/api/3/issue/1/remotelink", json=[{"id": 1}])
    client = JiraClient(base_url=BASE, email="a@x.test", api_token="t")
    client.search_jql(jql="project = A", fields=["id"])
    client.remote_links(1)
    assert client.points_estimate == (1 + 2) + (1 + 1)


# -- over real HTTP ----------------------------------------------------------------------


@pytest.fixture
def limited_site(settings):
    with serving(JiraSimulator(seed=21, issues=60, rate_limit=5), settings) as running:
        yield running.simulator


@pytest.mark.django_db(transaction=True)
def test_a_rate_limited_site_is_synced_and_no_refused_request_comes_back_early(
    limited_site, acme, settings
):
    # A wide first window, so the sync meets the limit even on a slow machine.
    settings.JIRA_MAX_CONCURRENCY = 32
    run = sync_connection(demo_connection(acme))
    assert run.status == SyncRun.Status.SUCCEEDED, (run.error, run.warnings)
    figures = limited_site.rate_limiter.stats()["sites"]["acme"]
    assert figures["throttled"] >= 1  # the sync met the limit...
    assert figures["early_retries"] == 0  # ...and honoured every Retry-After
    assert figures["throttled"] < 0.25 * figures["accepted"]  # not a storm


def _busiest(times: list[float], seconds: float) -> int:
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t < start + seconds) for i, start in enumerate(times))


@pytest.mark.django_db
def test_workers_syncing_connections_of_one_site_share_its_ceiling(settings, acme, globex):
    settings.JIRA_MAX_REQUESTS_PER_SECOND = 25
    sim = JiraSimulator(seed=22, issues=60)
    with serving(sim, settings):
        issue_ids = list(sim.site("shared").truth(DEMO_EMAIL))
        initech = Workspace.objects.create(name="Initech", slug="initech")
        # Three workspaces connected the same site; each worker has its own client.
        clients = [
            client_for(demo_connection(workspace, "shared"))
            for workspace in (acme, globex, initech)
        ]
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(lambda c: [c.remote_links(i) for i in issue_ids[:30]], clients))
    sent = [r.at for r in sim.request_log if "/s/shared/" in r.path]
    assert len(sent) == 90
    # Counted where Jira counts, though each worker alone would send the ceiling: two
    # seconds hold at most twice the ceiling, one more for each edge of the window (the
    # log has when answers left the simulator, which jitters by a few milliseconds).
    assert _busiest(sent, 2) <= 2 * 25 + 2
    assert max(sent) - min(sent) >= (90 - 2 * 25 - 2) / 25


# -- the OAuth points quota --------------------------------------------------------------


class Counter:
    def __init__(self, start=0):
        self.points = start

    def __call__(self, hour, points):
        self.points += points
        return self.points


def test_points_are_spent_freely_then_spread_over_the_rest_of_the_hour():
    clock = Clock()
    clock.now = 3600 * 10 + 1800.0  # half past: 1,800 s left in the hour
    counter = Counter()
    quota = PointsQuota(1000, add_points=counter, clock=clock)
    quota.spend(10)
    assert quota.delay() == 0
    quota.spend(790)  # 800 of 1,000: time to slow down
    first, second = quota.delay(), quota.delay()
    # 200 points left, about 400 per call so far: 0.5 calls over 1,800 s.
    assert first == 0 and second == pytest.approx(1800 / (200 / 400), rel=0.01)
    quota.spend(300)
    with pytest.raises(QuotaSpent) as spent:
        quota.delay()
    assert spent.value.retry_after == pytest.approx(1800)


def test_a_spent_quota_stops_the_client_until_the_next_hour(rsps):
    rsps.get(f"{BASE}/rest/api/3/myself", json={"accountId": "a"})
    clock = Clock()
    quota = PointsQuota(100, add_points=Counter(start=100), clock=clock)
    quota.spend(1)
    client = JiraClient(base_url=BASE, access_token="tok", points=quota, sleep=lambda s: None)
    with pytest.raises(JiraRateLimitedError) as info:
        client.myself()
    assert "hourly API quota" in info.value.message
    assert len(rsps.calls) == 0


def test_the_reset_time_is_read_as_iso_8601_or_an_http_date():
    now = datetime(2026, 5, 2, 10, 0, tzinfo=UTC).timestamp()
    assert seconds_until_reset("2026-05-02T10:15Z", now=now) == 900
    assert seconds_until_reset("Sat, 02 May 2026 10:00:30 GMT", now=now) == 30
    assert seconds_until_reset("2026-05-02T09:00Z", now=now) == 0  # already passed
    assert seconds_until_reset("2026-05-02T10:15", now=now) is None  # no time zone
    assert seconds_until_reset("soon", now=now) is None
    assert seconds_until_reset("", now=now) is None
