"""How a sync run reacts to Jira's errors (responses stands in for Jira)."""

import json

import pytest
import requests

from integrations.models import Issue, JiraConnection, JiraProject, SyncRun
from integrations.sync import claims
from integrations.sync.run import sync_connection
from tests.integrations.conftest import SITE, mock_myself, mock_projects

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    """Retries wait for real in production; here the waits are recorded instead."""
    waits = []
    monkeypatch.setattr("integrations.jira.client.time.sleep", waits.append)
    return waits


def _issue(n, *, project="ENG", updated="2026-11-20T10:00:00.000+0000"):
    return {
        "id": str(10000 + n),
        "key": f"{project}-{n}",
        "fields": {
            "summary": f"Issue {n}",
            "description": None,
            "status": {
                "id": "3",
                "name": "In Progress",
                "statusCategory": {"key": "indeterminate"},
            },
            "issuetype": {"name": "Story", "hierarchyLevel": 0},
            "project": {"key": project},
            "created": "2026-11-01T10:00:00.000+0000",
            "updated": updated,
            "comment": {"comments": [], "total": 0, "maxResults": 20, "startAt": 0},
        },
        "changelog": {"histories": [], "total": 0, "maxResults": 40},
    }


def _mock_setup(mock, projects=("ENG", "KAN")):
    mock_myself(mock, time_zone="America/Los_Angeles")
    mock_projects(mock, list(projects))
    mock.get(
        f"{SITE}/rest/api/3/field",
        json=[{"id": "customfield_10016", "name": "Story point estimate"}],
    )
    mock.get(
        f"{SITE}/rest/api/3/status",
        json=[{"id": "3", "name": "In Progress", "statusCategory": {"key": "indeterminate"}}],
    )
    mock.get(
        f"{SITE}/rest/api/3/resolution/search",
        json={"values": [{"id": "10000", "name": "Done"}], "isLast": True},
    )
    mock.post(f"{SITE}/rest/api/3/search/approximate-count", json={"count": 2})


def _mock_remote_links(mock, ns):
    for n in ns:
        mock.get(f"{SITE}/rest/api/3/issue/{10000 + n}/remotelink", json=[])


def test_a_401_marks_the_connection_needs_attention(acme_connection, jira_api):
    mock_myself(jira_api, status=401)
    run = sync_connection(acme_connection)
    acme_connection.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert acme_connection.status == JiraConnection.Status.NEEDS_ATTENTION
    assert "rejected" in acme_connection.last_error
    assert acme_connection.sync_watermark is None


def test_429_waits_for_retry_after_then_succeeds(acme_connection, jira_api, no_sleep):
    _mock_setup(jira_api)
    jira_api.post(
        f"{SITE}/rest/api/3/search/jql", status=429, headers={"Retry-After": "7"}, json={}
    )
    jira_api.post(
        f"{SITE}/rest/api/3/search/jql", json={"issues": [_issue(1), _issue(2)], "isLast": True}
    )
    _mock_remote_links(jira_api, [1, 2])
    run = sync_connection(acme_connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert 7 in no_sleep
    assert Issue.objects.count() == 2


def test_malformed_json_fails_the_run_without_crashing_and_keeps_the_watermark(
    acme_connection, jira_api
):
    _mock_setup(jira_api)
    jira_api.post(f"{SITE}/rest/api/3/search/jql", body='{"issues": [', status=200)
    run = sync_connection(acme_connection)
    acme_connection.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert acme_connection.status == JiraConnection.Status.ACTIVE  # transient: retried next run
    assert acme_connection.sync_watermark is None


def test_timeouts_fail_the_run_and_the_next_run_resumes(acme_connection, jira_api):
    _mock_setup(jira_api)
    jira_api.post(f"{SITE}/rest/api/3/search/jql", body=requests.exceptions.ReadTimeout("slow"))
    assert sync_connection(acme_connection).status == SyncRun.Status.FAILED
    assert not SyncRun.objects.filter(status=SyncRun.Status.RUNNING).exists()


def test_a_project_that_lost_access_is_flagged_and_the_others_sync(acme_connection, jira_api):
    _mock_setup(jira_api, projects=("ENG",))  # KAN no longer visible
    jira_api.post(f"{SITE}/rest/api/3/search/jql", json={"issues": [_issue(1)], "isLast": True})
    _mock_remote_links(jira_api, [1])
    run = sync_connection(acme_connection)
    assert run.status == SyncRun.Status.PARTIAL
    assert any("KAN" in w for w in run.warnings)
    assert JiraProject.objects.get(connection=acme_connection, key="KAN").accessible is False
    search = json.loads(
        next(c for c in jira_api.calls if c.request.url.endswith("/search/jql")).request.body
    )
    assert "project in (ENG)" in search["jql"]
    assert Issue.objects.count() == 1


def test_a_400_on_the_search_is_surfaced_not_swallowed(acme_connection, jira_api):
    _mock_setup(jira_api)
    jira_api.post(
        f"{SITE}/rest/api/3/search/jql",
        status=400,
        json={
            "errorMessages": ["The value 'KAN' does not exist for the field 'project'."],
            "errors": {},
        },
    )
    run = sync_connection(acme_connection)
    assert run.status == SyncRun.Status.FAILED
    assert "does not exist for the field" in run.error


def test_dev_status_failure_is_not_a_sync_failure(acme_connection, jira_api):
    _mock_setup(jira_api)
    jira_api.get(
        f"{SITE}/rest/api/3/field", json=[{"id": "customfield_10000", "name": "Development"}]
    )
    issue = _issue(1)
    issue["fields"]["customfield_10000"] = (
        "{pullrequest={dataType=pullrequest, state=OPEN, stateCount=1}}"
    )
    jira_api.post(f"{SITE}/rest/api/3/search/jql", json={"issues": [issue], "isLast": True})
    _mock_remote_links(jira_api, [1])
    jira_api.get(f"{SITE}/rest/dev-status/latest/issue/summary", status=401, json={})
    run = sync_connection(acme_connection)
    assert run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL)
    assert Issue.objects.count() == 1
    acme_connection.refresh_from_db()
    assert acme_connection.status == JiraConnection.Status.ACTIVE


def test_a_second_trigger_while_running_is_a_no_op(acme_connection):
    held = claims.claim(acme_connection, kind="incremental", trigger="manual")
    assert held is not None
    assert sync_connection(acme_connection) is None
    assert SyncRun.objects.filter(connection=acme_connection).count() == 1


def test_a_killed_run_is_shown_as_failed_and_no_longer_blocks(acme_connection):
    from django.utils import timezone

    stale = timezone.now() - claims.STALE_AFTER * 2
    run = SyncRun.objects.create(connection=acme_connection, started_at=stale, heartbeat_at=stale)
    assert claims.active_run(acme_connection) is None
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert "stopped without finishing" in run.error
