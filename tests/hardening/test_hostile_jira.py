"""Syncs against a hostile Jira over real HTTP all end by themselves, with a readable outcome.

Paging loops of both kinds end within 90 s as *partial* runs that keep what they stored;
a dripping body fails the run at the response deadline; a 200 MB body is cut off at the
size cap with the sync process staying under 400 MB; nested JSON on the Connect form is
the form's normal error.
"""

import time

import pytest
from django.urls import reverse

from integrations.jira.client import JiraClient
from integrations.jira.errors import JiraTimeoutError
from integrations.jira.transport import Limits
from integrations.models import Comment, Issue, JiraConnection, SyncRun
from integrations.sync.run import sync_connection
from pensero.encryption import Secret
from tests.hardening.helpers import app_env, run_measuring_peak
from tests.hardening.hostile_jira import HostileJira

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PAGING_LOOP_SECONDS = 90
PEAK_MEMORY_MB = 400


@pytest.fixture
def hostile(settings):
    with HostileJira() as server:
        settings.JIRA_SITE_URL_TEMPLATE = server.site_url_template
        yield server


def _connection(workspace, behaviour: str) -> JiraConnection:
    return JiraConnection.objects.create(
        workspace=workspace,
        subdomain=behaviour,
        email="ann@example.com",
        api_token=Secret("hostile-token"),
    )


def _timed_sync(connection) -> tuple[SyncRun, float]:
    started = time.monotonic()
    run = sync_connection(connection)
    return run, time.monotonic() - started


def test_offset_paging_loops_end_as_a_partial_run_keeping_what_was_read(hostile, acme):
    connection = _connection(acme, "offset-loop")
    run, seconds = _timed_sync(connection)
    assert seconds < PAGING_LOOP_SECONDS
    assert run.status == SyncRun.Status.PARTIAL, run.error
    warnings = "\n".join(run.warnings)
    assert "GET /rest/api/3/issue/10001/comment" in warnings
    assert "GET /rest/api/3/issue/10001/changelog" in warnings
    assert "GET /rest/api/3/project/search" in warnings
    issue = Issue.objects.get(connection=connection, jira_id=10001)
    assert Comment.objects.filter(issue=issue).count() == 100
    # Two pages per loop: the first, then the one that added nothing new.
    assert hostile.requests["offset-loop /rest/api/3/issue/{id}/comment"] == 2


@pytest.mark.parametrize("behaviour", ["token-fresh", "token-alternate"])
def test_token_paging_loops_end_as_a_partial_run(hostile, acme, behaviour):
    connection = _connection(acme, behaviour)
    run, seconds = _timed_sync(connection)
    assert seconds < PAGING_LOOP_SECONDS
    assert run.status == SyncRun.Status.PARTIAL, run.error
    assert any("Stopped paging POST /rest/api/3/search/jql" in w for w in run.warnings)
    assert Issue.objects.filter(connection=connection).exists()
    assert hostile.requests[f"{behaviour} /rest/api/3/search/jql"] <= 5
    connection.refresh_from_db()
    # Issues may have been missed: the next sync reads the same window again.
    assert connection.sync_watermark is None


def test_endless_new_issues_stop_far_past_the_count(hostile, acme):
    connection = _connection(acme, "token-endless")
    run, seconds = _timed_sync(connection)
    assert seconds < PAGING_LOOP_SECONDS
    assert run.status == SyncRun.Status.PARTIAL, run.error
    [warning] = [w for w in run.warnings if "search/jql" in w]
    assert "far more than the 1001 expected" in warning
    assert run.issues_seen == Issue.objects.filter(connection=connection).count() == 1_200


def test_a_dripping_body_fails_the_run_at_the_deadline(hostile, acme, settings):
    # A tight deadline keeps the test short; with the defaults the same arithmetic gives
    # 3 attempts x 60 s + backoff (1 s, 2 s, jittered) < 200 s.
    settings.JIRA_RESPONSE_DEADLINE_SECONDS = 1.5
    connection = _connection(acme, "drip")
    run, seconds = _timed_sync(connection)
    attempts = settings.JIRA_TIMEOUT_RETRIES + 1
    assert seconds < attempts * settings.JIRA_RESPONSE_DEADLINE_SECONDS + 1.3 * 3 + 2
    assert run.status == SyncRun.Status.FAILED
    assert "Jira took too long to answer" in run.error
    # The full sync's ids-only list first (answered at once), then the issue search.
    assert hostile.requests["drip /rest/api/3/search/jql"] == 1 + attempts


@pytest.mark.parametrize("behaviour", ["drip", "drip-headers"])
def test_a_dripping_response_is_cut_off_at_the_deadline(hostile, behaviour):
    client = JiraClient(
        base_url=hostile.site_url_template.format(subdomain=behaviour),
        email="ann@example.com",
        api_token="hostile-token",
        limits=Limits(deadline=1.0, timeout_retries=0),
    )
    started = time.monotonic()
    with pytest.raises(JiraTimeoutError):
        client.search_jql(jql="project = HOS", fields=["summary"])
    # The deadline, plus at most one tick of the watchdog.
    assert time.monotonic() - started < 1.0 + 0.25 + 0.5
    # The cut connection is not handed to the next request.
    assert client.myself()["accountId"] == "a-1"


def test_a_200_mb_body_is_cut_off_and_the_sync_stays_small(hostile, acme):
    connection = _connection(acme, "huge")
    env = app_env(JIRA_SITE_URL_TEMPLATE=hostile.site_url_template)
    started = time.monotonic()
    output, _, peak_mb = run_measuring_peak(["sync_jira", "--connection", str(connection.pk)], env)
    assert time.monotonic() - started < PAGING_LOOP_SECONDS, output
    assert peak_mb < PEAK_MEMORY_MB, output
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncRun.Status.FAILED
    assert "larger than 50 MB" in run.error
    assert "larger than 50 MB" in output
    # Refused, not retried: the same body would come again (the first search is the
    # full sync's ids-only list, answered at once).
    assert hostile.requests["huge /rest/api/3/search/jql"] == 1 + 1


def test_nested_json_from_myself_on_the_connect_form_is_a_form_error(hostile, alice_client, acme):
    response = alice_client.post(
        reverse("jira_connect_token"),
        {"subdomain": "nested", "email": "ann@example.com", "api_token": "tok", "projects": ""},
    )
    assert response.status_code == 200
    assert "Couldn&#x27;t reach nested.atlassian.net, try again." in response.content.decode()
    assert not JiraConnection.objects.filter(workspace=acme).exists()
