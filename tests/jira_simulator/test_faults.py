"""The simulator's rate limit, injected faults and request counters."""

import pytest
import requests

from jira_simulator import (
    DEMO_EMAIL,
    DEMO_TOKEN,
    JiraSimulator,
    start_simulator,
)
from jira_simulator.faults import FaultInjector
from tests.jira_simulator.helpers import (
    NOW,
    jira_session,
)


def test_the_rate_limit_answers_429_like_jira_and_counts_early_retries():
    simulator = JiraSimulator(seed=2, issues=20, now=NOW, rate_limit=5)
    with start_simulator(simulator) as running:
        url = f"{running.site_url('acme')}/rest/api/3/myself"
        with jira_session(DEMO_EMAIL, DEMO_TOKEN) as session:
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


def test_the_rate_limit_is_per_endpoint_and_method_as_in_jira():
    simulator = JiraSimulator(seed=2, issues=20, now=NOW, rate_limit=3)
    with start_simulator(simulator) as running:
        site = running.site_url("acme")
        ids = list(simulator.site("acme").truth(DEMO_EMAIL))[:5]
        with jira_session(DEMO_EMAIL, DEMO_TOKEN) as session:
            # Five issues' remote links: one endpoint (the issue id is not part of it).
            links = [
                session.get(f"{site}/rest/api/3/issue/{i}/remotelink", timeout=5).status_code
                for i in ids
            ]
            assert links == [200, 200, 200, 429, 429]
            # Another endpoint, and another method of the same path, each have their own.
            comments = session.get(f"{site}/rest/api/3/issue/{ids[0]}/comment", timeout=5)
            assert comments.status_code == 200
            search = f"{site}/rest/api/3/search/jql"
            query = {"jql": "project = KAN", "fields": ["id"]}
            assert session.get(search, params={"jql": "project = KAN"}, timeout=5).ok
            assert session.post(search, json=query, timeout=5).ok
        stats = requests.get(f"{running.url}/_sim/stats", timeout=5).json()["rate_limit"]
        endpoints = stats["sites"]["acme"]["endpoints"]
        assert endpoints["GET /rest/api/3/issue/{ref}/remotelink"]["throttled"] == 2
        assert endpoints["GET /rest/api/3/issue/{ref}/comment"]["accepted"] == 1
        assert endpoints["POST /rest/api/3/search/jql"]["accepted"] == 1
        assert endpoints["GET /rest/api/3/search/jql"]["accepted"] == 1


def test_rate_limit_faults_carry_retry_after_and_are_recorded():
    simulator = JiraSimulator(
        seed=2, issues=50, now=NOW, fault_rate=1.0, fault_kinds=("rate_limit",)
    )
    with start_simulator(simulator) as running:
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


def test_other_faults_reset_the_connection_or_truncate_the_body():
    simulator = JiraSimulator(seed=2, issues=50, now=NOW, fault_rate=1.0, fault_kinds=("reset",))
    with start_simulator(simulator) as running:
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
    assert stats["cpu_seconds"] > 0
