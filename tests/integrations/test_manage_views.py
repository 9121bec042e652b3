from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import Issue, JiraConnection, SyncRun
from tests.integrations.conftest import CANARY_TOKEN, mock_myself, mock_projects

pytestmark = pytest.mark.django_db


def _manage(connection):
    return reverse("jira_manage", args=[connection.pk])


def test_manage_shows_the_connection_without_the_token(alice_client, acme_connection):
    page = alice_client.get(_manage(acme_connection)).content.decode()
    assert "API token" in page and "acme.atlassian.net" in page and "alice@acme.test" in page
    assert f"…{CANARY_TOKEN[-4:]}" in page
    assert CANARY_TOKEN not in page
    assert 'value="ENG,KAN"' in page


def test_blank_token_keeps_the_current_one(alice_client, acme_connection, jira_api):
    mock_myself(jira_api)
    mock_projects(jira_api, ["PLAT"])
    response = alice_client.post(
        _manage(acme_connection), {"email": "alice@acme.test", "api_token": "", "projects": "plat"}
    )
    assert response.status_code == 302
    acme_connection.refresh_from_db()
    assert acme_connection.api_token.reveal() == CANARY_TOKEN
    assert acme_connection.project_key_list == ["PLAT"]
    # The stored token was the one checked with Jira.
    assert jira_api.calls[0].request.headers["Authorization"].startswith("Basic ")


def test_a_new_token_replaces_the_old_after_the_check(alice_client, acme_connection, jira_api):
    mock_myself(jira_api)
    mock_projects(jira_api, ["ENG", "KAN"])
    new = "NEW-token-0123456789abcdWXYZ"
    alice_client.post(
        _manage(acme_connection),
        {"email": "alice@acme.test", "api_token": new, "projects": "ENG,KAN"},
    )
    acme_connection.refresh_from_db()
    assert acme_connection.api_token.reveal() == new
    assert acme_connection.api_token_hint == "WXYZ"


def test_a_rejected_new_token_keeps_the_old(alice_client, acme_connection, jira_api):
    mock_myself(jira_api, status=401)
    response = alice_client.post(
        _manage(acme_connection),
        {"email": "alice@acme.test", "api_token": "bad-token-123456789", "projects": "ENG"},
    )
    assert "Jira rejected this email and API token" in response.content.decode()
    acme_connection.refresh_from_db()
    assert acme_connection.api_token.reveal() == CANARY_TOKEN
    assert acme_connection.project_key_list == ["ENG", "KAN"]


def test_fixing_credentials_clears_needs_attention(alice_client, acme_connection, jira_api):
    acme_connection.status = JiraConnection.Status.NEEDS_ATTENTION
    acme_connection.last_error = "Jira rejected the credentials."
    acme_connection.save()
    page = alice_client.get(_manage(acme_connection)).content.decode()
    assert "needs attention" in page
    mock_myself(jira_api)
    mock_projects(jira_api, ["ENG", "KAN"])
    alice_client.post(
        _manage(acme_connection),
        {"email": "alice@acme.test", "api_token": "fresh-token-1234567", "projects": "ENG,KAN"},
    )
    acme_connection.refresh_from_db()
    assert acme_connection.status == JiraConnection.Status.ACTIVE


def test_sync_now_queues_one_sync(
    alice_client, acme_connection, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(
            reverse("jira_sync_now", args=[acme_connection.pk]), follow=True
        )
    assert "Sync queued" in response.content.decode()
    assert len(callbacks) == 1


def test_sync_now_while_running_is_a_no_op(
    alice_client, acme_connection, django_capture_on_commit_callbacks
):
    now = timezone.now()
    SyncRun.objects.create(connection=acme_connection, started_at=now, heartbeat_at=now)
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(
            reverse("jira_sync_now", args=[acme_connection.pk]), follow=True
        )
    assert "already running" in response.content.decode()
    assert callbacks == []


def test_progress_fragment_reports_the_running_sync(alice_client, acme_connection):
    now = timezone.now()
    SyncRun.objects.create(
        connection=acme_connection,
        started_at=now,
        heartbeat_at=now,
        issues_seen=40,
        issues_expected=100,
    )
    data = alice_client.get(reverse("jira_sync_progress", args=[acme_connection.pk])).json()
    assert data["active"] is True
    assert "40 of about 100" in data["panel"]
    assert 'value="40"' in data["panel"]
    assert "Syncing" in data["badge"]
    assert "Sync now" not in data["panel"]  # not offered while a run is going


def test_a_queued_sync_shows_until_a_worker_starts_it(alice_client, acme_connection):
    with_queue = alice_client.post(reverse("jira_sync_now", args=[acme_connection.pk]), follow=True)
    page = with_queue.content.decode()
    assert "Sync queued." in page
    assert 'data-active="1"' in page
    data = alice_client.get(reverse("jira_sync_progress", args=[acme_connection.pk])).json()
    assert data["active"] is True and "Sync queued" in data["badge"]


def test_disconnect_keeps_data_but_deletes_the_secret(alice_client, acme_connection):
    Issue.objects.create(
        workspace=acme_connection.workspace,
        connection=acme_connection,
        jira_id=1,
        key="ENG-1",
        project_key="ENG",
        created_at="2026-01-01T00:00Z",
        updated_at="2026-01-01T00:00Z",
    )
    response = alice_client.post(reverse("jira_disconnect", args=[acme_connection.pk]), {})
    assert response.status_code == 302
    acme_connection.refresh_from_db()
    assert acme_connection.api_token is None
    assert acme_connection.status == JiraConnection.Status.DISCONNECTED
    assert Issue.objects.count() == 1


def test_disconnect_can_delete_the_synced_data(alice_client, acme_connection):
    Issue.objects.create(
        workspace=acme_connection.workspace,
        connection=acme_connection,
        jira_id=1,
        key="ENG-1",
        project_key="ENG",
        created_at="2026-01-01T00:00Z",
        updated_at="2026-01-01T00:00Z",
    )
    alice_client.post(reverse("jira_disconnect", args=[acme_connection.pk]), {"delete_data": "on"})
    assert not JiraConnection.objects.exists()
    assert not Issue.objects.exists()


def test_a_disconnected_site_can_be_connected_again(alice_client, acme_connection, jira_api):
    alice_client.post(reverse("jira_disconnect", args=[acme_connection.pk]), {})
    mock_myself(jira_api)
    response = alice_client.post(
        reverse("jira_connect_token"),
        {
            "subdomain": "acme",
            "email": "alice@acme.test",
            "api_token": "again-token-12345678",
            "projects": "",
        },
    )
    assert response.status_code == 302
    acme_connection.refresh_from_db()
    assert acme_connection.status == JiraConnection.Status.ACTIVE
    assert JiraConnection.objects.count() == 1


FLOW_PAGES = ["jira_manage", "jira_sync_progress", "jira_disconnect"]
FLOW_POSTS = ["jira_sync_now", "jira_disconnect"]


@pytest.mark.parametrize("name", FLOW_PAGES)
def test_member_gets_403_on_every_page_of_the_flow(bob_client, acme_connection, name):
    assert bob_client.get(reverse(name, args=[acme_connection.pk])).status_code == 403


def test_member_gets_403_on_integrations_and_connect(bob_client, acme):
    assert bob_client.get(reverse("integrations")).status_code == 403
    assert bob_client.get(reverse("jira_connect_token")).status_code == 403
    assert bob_client.post(reverse("jira_connect_token"), {}).status_code == 403


@pytest.mark.parametrize("name", FLOW_PAGES)
def test_other_workspace_admin_gets_404(charlie_client, acme_connection, name):
    assert charlie_client.get(reverse(name, args=[acme_connection.pk])).status_code == 404


@pytest.mark.parametrize("name", FLOW_POSTS)
def test_other_workspace_admin_cannot_post(charlie_client, acme_connection, name):
    assert (
        charlie_client.post(
            reverse(name, args=[acme_connection.pk]), {"delete_data": "on"}
        ).status_code
        == 404
    )
    assert JiraConnection.objects.filter(pk=acme_connection.pk, status="active").exists()


ESTIMATION_FIELDS = [
    {"id": "customfield_10016", "name": "Story point estimate"},
    {"id": "customfield_10024", "name": "Story Points"},
]


def test_admins_choose_the_story_points_field_and_the_next_sync_rereads_every_issue(
    alice_client, acme_connection
):
    JiraConnection.objects.filter(pk=acme_connection.pk).update(
        estimation_fields=ESTIMATION_FIELDS, facts_version=1
    )
    page = alice_client.get(_manage(acme_connection)).content.decode()
    assert "Automatic: the first with a value (Story point estimate, then Story Points)" in page
    url = reverse("jira_story_points", args=[acme_connection.pk])
    response = alice_client.post(url, {"story_points_field": "customfield_10024"}, follow=True)
    assert "reads every issue" in response.content.decode()
    acme_connection.refresh_from_db()
    assert acme_connection.story_points_field == "customfield_10024"
    assert acme_connection.story_points_field_ids == ["customfield_10024"]
    assert acme_connection.facts_version == 0  # the next sync is a full one


def test_a_field_the_site_does_not_have_is_refused(alice_client, acme_connection):
    JiraConnection.objects.filter(pk=acme_connection.pk).update(estimation_fields=ESTIMATION_FIELDS)
    url = reverse("jira_story_points", args=[acme_connection.pk])
    response = alice_client.post(url, {"story_points_field": "summary"}, follow=True)
    assert "Choose one of the listed story points fields." in response.content.decode()
    acme_connection.refresh_from_db()
    assert acme_connection.story_points_field == ""


def test_only_admins_of_the_workspace_choose_the_story_points_field(
    bob_client, charlie_client, acme_connection
):
    url = reverse("jira_story_points", args=[acme_connection.pk])
    assert bob_client.post(url, {"story_points_field": ""}).status_code == 403
    assert charlie_client.post(url, {"story_points_field": ""}).status_code == 404


def _exited_pid() -> int:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _run_of_a_worker(connection, *, pid, minutes_since_heartbeat=0):
    import socket

    beat = timezone.now() - timedelta(minutes=minutes_since_heartbeat)
    return SyncRun.objects.create(
        connection=connection,
        started_at=beat,
        heartbeat_at=beat,
        host=socket.gethostname(),
        pid=pid,
        issues_seen=40,
    )


def _pages_showing_the_run(client, connection):
    return {
        "manage": client.get(_manage(connection)).content.decode(),
        "progress": str(client.get(reverse("jira_sync_progress", args=[connection.pk])).json()),
        "integrations": client.get(reverse("integrations")).content.decode(),
        "dashboard": client.get(reverse("dashboard")).content.decode(),
    }


@pytest.mark.parametrize(
    "how", ["its process exited (kill -9)", "its heartbeat stopped (another host)"]
)
def test_a_dead_run_shows_as_failed_on_every_page_without_a_new_sync(
    alice_client, acme_connection, how
):
    if how.startswith("its process"):
        run = _run_of_a_worker(acme_connection, pid=_exited_pid())
    else:
        run = _run_of_a_worker(acme_connection, pid=None, minutes_since_heartbeat=6)
        SyncRun.objects.filter(pk=run.pk).update(host="another-host")
    pages = _pages_showing_the_run(alice_client, acme_connection)
    for name, page in pages.items():
        assert "Syncing" not in page and "Running" not in page, name
    assert "stopped without finishing" in pages["manage"]
    assert "Sync now" in pages["manage"]
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED


def test_a_live_run_keeps_showing_as_running(alice_client, acme_connection):
    import os

    run = _run_of_a_worker(acme_connection, pid=os.getppid(), minutes_since_heartbeat=1)
    pages = _pages_showing_the_run(alice_client, acme_connection)
    for name in ("manage", "progress", "integrations", "dashboard"):
        assert "Syncing" in pages[name], name
    run.refresh_from_db()
    assert run.status == SyncRun.Status.RUNNING


def _run(connection, status, minutes_ago, **fields):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return SyncRun.objects.create(
        connection=connection,
        status=status,
        started_at=at,
        heartbeat_at=at,
        finished_at=at + timedelta(seconds=30),
        **fields,
    )


def test_after_a_failed_sync_the_panel_says_so_and_why(alice_client, acme_connection):
    _run(acme_connection, SyncRun.Status.SUCCEEDED, 60, issues_seen=900)
    JiraConnection.objects.filter(pk=acme_connection.pk).update(
        last_synced_at=timezone.now() - timedelta(minutes=59)
    )
    reason = "Jira is unavailable or sent an unusable response. Try again later."
    _run(acme_connection, SyncRun.Status.FAILED, 10, issues_seen=200, error=reason)

    page = alice_client.get(_manage(acme_connection)).content.decode()
    panel = page.split('id="sync-panel"', 1)[1].split("</section>", 1)[0]
    assert "The last sync failed" in panel
    assert reason in panel
    assert "It stopped after 200 issues." in panel
    assert "Last complete sync" in panel
    assert "Last synced" not in panel
    badge = page.split('id="status-badge"', 1)[1].split("</dd>", 1)[0]
    assert "Last sync failed" in badge
    assert "Active" not in badge


def test_after_a_successful_sync_the_panel_says_when(alice_client, acme_connection):
    _run(acme_connection, SyncRun.Status.FAILED, 60, error="Jira took too long to answer.")
    _run(acme_connection, SyncRun.Status.SUCCEEDED, 10, issues_seen=900)
    JiraConnection.objects.filter(pk=acme_connection.pk).update(last_synced_at=timezone.now())

    page = alice_client.get(_manage(acme_connection)).content.decode()
    panel = page.split('id="sync-panel"', 1)[1].split("</section>", 1)[0]
    assert "Last synced" in panel
    assert "failed" not in panel
    assert "Active" in page.split('id="status-badge"', 1)[1].split("</dd>", 1)[0]


def test_the_integrations_list_says_when_a_sites_last_sync_failed(alice_client, acme_connection):
    _run(acme_connection, SyncRun.Status.SUCCEEDED, 60)
    _run(acme_connection, SyncRun.Status.FAILED, 10, error="Jira took too long to answer.")
    row = alice_client.get(reverse("integrations")).content.decode().split("<tbody>", 1)[1]
    assert "Last sync failed" in row
    assert "badge ok" not in row
