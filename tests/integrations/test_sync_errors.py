"""How a sync run reacts to Jira's errors (responses stands in for Jira)."""

import json

import pytest
import requests
from responses import matchers

from integrations.models import Issue, JiraConnection, JiraProject, PullRequest, SyncRun
from integrations.sync import claims
from integrations.sync.run import sync_connection
from tests.integrations.conftest import SITE, mock_myself, mock_projects

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    """Retries wait for real in production; here the waits are recorded instead."""
    waits = []
    monkeypatch.setattr("integrations.jira.session.time.sleep", waits.append)
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


STORY_POINTS = {"id": "customfield_10016", "name": "Story point estimate"}
DEVELOPMENT = {"id": "customfield_10000", "name": "Development"}


def _mock_setup(mock, projects=("ENG", "KAN"), fields=(STORY_POINTS,)):
    mock_myself(mock, time_zone="America/Los_Angeles")
    mock_projects(mock, list(projects))
    mock.get(f"{SITE}/rest/api/3/field", json=list(fields))
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
    _mock_setup(jira_api, fields=[STORY_POINTS, DEVELOPMENT])
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


def test_an_issue_of_an_unexpected_shape_is_skipped_and_the_rest_of_its_page_stored(
    acme_connection, jira_api
):
    _mock_setup(jira_api)
    broken = _issue(2)
    broken["fields"] = ["not", "an", "object"]
    strings = _issue(3)
    strings["fields"]["project"] = "ENG"
    strings["fields"]["issuetype"] = "Story"
    jira_api.post(
        f"{SITE}/rest/api/3/search/jql",
        json={"issues": [_issue(1), broken, strings], "isLast": True},
    )
    _mock_remote_links(jira_api, [1, 3])
    run = sync_connection(acme_connection)
    assert run.status == SyncRun.Status.PARTIAL
    assert set(Issue.objects.values_list("key", flat=True)) == {"ENG-1", "ENG-3"}
    assert any("ENG-2" in warning for warning in run.warnings), run.warnings
    # The run finished, so the next one starts after it instead of failing on it again.
    acme_connection.refresh_from_db()
    assert acme_connection.sync_watermark == run.started_at


def _with_development(issue, *types):
    by_type = ", ".join(f'"{t}": {{"count": 1, "name": "GitHub"}}' for t in types)
    issue["fields"]["customfield_10000"] = (
        "{pullrequest={dataType=pullrequest, state=OPEN, stateCount=1}, json="
        '{"cachedValue":{"errors":[],"summary":{"pullrequest":{"overall":{"count":1,'
        f'"state":"OPEN"}},"byInstanceType":{{{by_type}}}}}}}}},"isStale":true}}}}'
    )
    return issue


def test_one_application_types_dev_status_error_spares_the_other_type_and_other_issues(
    acme_connection, jira_api
):
    _mock_setup(jira_api, fields=[STORY_POINTS, DEVELOPMENT])
    new_app = "oAuth-com.github.integration.production"
    issues = [_with_development(_issue(n), "GitHub", new_app) for n in (1, 2)]
    jira_api.post(f"{SITE}/rest/api/3/search/jql", json={"issues": issues, "isLast": True})
    _mock_remote_links(jira_api, [1, 2])
    detail = f"{SITE}/rest/dev-status/latest/issue/detail"
    for n in (1, 2):
        issue_id = str(10000 + n)
        jira_api.get(
            detail,
            status=403,
            json={"errorMessages": ["Not allowed."], "errors": {}},
            match=[
                matchers.query_param_matcher(
                    {"issueId": issue_id, "applicationType": "GitHub", "dataType": "pullrequest"}
                )
            ],
        )
        pr = {"url": f"https://github.com/acme/api/pull/{n}", "status": "MERGED", "name": "Fix"}
        jira_api.get(
            detail,
            json={"errors": [], "detail": [{"pullRequests": [pr]}]},
            match=[
                matchers.query_param_matcher(
                    {"issueId": issue_id, "applicationType": new_app, "dataType": "pullrequest"}
                )
            ],
        )
    run = sync_connection(acme_connection)
    assert run.status == SyncRun.Status.PARTIAL
    assert sorted(PullRequest.objects.values_list("url", flat=True)) == [
        "https://github.com/acme/api/pull/1",
        "https://github.com/acme/api/pull/2",
    ]
    assert any("type GitHub" in warning for warning in run.warnings), run.warnings


def test_dev_status_refused_outright_is_not_asked_again_that_run(acme_connection, jira_api):
    _mock_setup(jira_api, fields=[STORY_POINTS, DEVELOPMENT])
    issues = [_with_development(_issue(n), "GitHub") for n in (1, 2, 3)]
    jira_api.post(f"{SITE}/rest/api/3/search/jql", json={"issues": issues, "isLast": True})
    _mock_remote_links(jira_api, [1, 2, 3])
    refused = jira_api.get(f"{SITE}/rest/dev-status/latest/issue/detail", status=401, json={})
    run = sync_connection(acme_connection)
    assert Issue.objects.count() == 3
    assert refused.call_count <= 2  # the pool may have two in flight when the first 401 lands
    assert any("isn't available" in warning for warning in run.warnings)
    acme_connection.refresh_from_db()
    assert acme_connection.status == JiraConnection.Status.ACTIVE
