"""Worker processes syncing the same site stay under its budgets together, through Redis:
the site-wide ceiling, and each endpoint family's budget."""

import socket
import subprocess
import sys

import pytest

from jira_simulator import DEMO_EMAIL, JiraSimulator, start_simulator
from tests.hardening.helpers import ROOT, app_env
from tests.simulated import demo_connection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

REDIS = ("127.0.0.1", 6379)
CEILING = 20
PER_PROCESS = 30

WORKER = """
from integrations.clients import client_for
from integrations.models import JiraConnection
client = client_for(JiraConnection.objects.get(pk={pk}))
for issue_id in {ids!r}:
    client.remote_links(issue_id)
"""

BOTH_ENDPOINTS = """
from integrations.clients import client_for
from integrations.models import JiraConnection
client = client_for(JiraConnection.objects.get(pk={pk}))
for issue_id in {ids!r}:
    client.remote_links(issue_id)
    client.issue_comments(issue_id)
"""


def _redis_available() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
        return True
    except OSError:
        return False


def _two_workers(workspace, subdomain: str, code: str, **budgets) -> JiraSimulator:
    """Two worker processes running `code` (formatted with the connection's pk and issue
    ids) against a simulated site, with Redis and `budgets`; the simulator, once done."""
    if not _redis_available():
        pytest.skip("Redis is not listening on 127.0.0.1:6379 (CI starts it).")
    sim = JiraSimulator(seed=23, issues=40)
    with start_simulator(sim) as running:
        connection = demo_connection(workspace, subdomain)
        ids = list(sim.site(subdomain).truth(DEMO_EMAIL))[:PER_PROCESS]
        env = app_env(
            REDIS_URL="redis://127.0.0.1:6379/0",
            JIRA_SITE_URL_TEMPLATE=running.site_url_template,
            **budgets,
        )
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "shell",
                    "-c",
                    code.format(pk=connection.pk, ids=ids),
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [worker.communicate(timeout=120)[0] for worker in workers]
        assert [w.returncode for w in workers] == [0, 0], outputs
    return sim


def _busiest(sent: list[float], seconds: float) -> int:
    return max(sum(1 for t in sent[i:] if t < start + seconds) for i, start in enumerate(sent))


def test_two_worker_processes_share_one_sites_ceiling(settings, acme):
    sim = _two_workers(acme, "shared", WORKER, JIRA_MAX_REQUESTS_PER_SECOND=CEILING)
    sent = sorted(r.at for r in sim.request_log if "/remotelink" in r.path)
    assert len(sent) == 2 * PER_PROCESS
    # Each process alone would send CEILING a second; together they must too. Counted
    # over two seconds, with one more request for each edge of the window: the log has
    # when answers left the simulator, which jitters by a few milliseconds.
    assert _busiest(sent, 2) <= 2 * CEILING + 2
    assert sent[-1] - sent[0] >= (2 * PER_PROCESS - 2 * CEILING - 2) / CEILING


def test_two_worker_processes_share_each_endpoints_budget_and_not_one_another(settings, acme):
    sim = _two_workers(
        acme,
        "families",
        BOTH_ENDPOINTS,
        JIRA_MAX_REQUESTS_PER_SECOND=0,
        JIRA_ENDPOINT_REQUESTS_PER_SECOND=CEILING,
    )
    families = {
        suffix: sorted(r.at for r in sim.request_log if r.path.split("?")[0].endswith(suffix))
        for suffix in ("/remotelink", "/comment")
    }
    for sent in families.values():
        assert len(sent) == 2 * PER_PROCESS
        # Both processes together stay under the endpoint's budget (edges as above)...
        assert _busiest(sent, 2) <= 2 * CEILING + 2
    # ...while the other endpoint goes at the same time, on a budget of its own: the two
    # together went faster than one budget would allow.
    every = sorted(families["/remotelink"] + families["/comment"])
    assert _busiest(every, 2) > 2 * CEILING + 2
