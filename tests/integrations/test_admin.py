import pytest
from django.urls import reverse

from integrations.models import AtlassianGrant, JiraConnection, SyncRun
from integrations.sync import claims
from pensero.models import User
from tests.integrations import oauth_helpers
from tests.integrations.conftest import CANARY_TOKEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = User.objects.create_superuser(email="staff@pensero.test", password="x-staff-password-1")
    client.force_login(staff)
    return client


def test_connection_admin_shows_only_a_masked_hint(staff_client, acme_connection):
    listing = staff_client.get(
        reverse("admin:integrations_jiraconnection_changelist")
    ).content.decode()
    assert "acme.atlassian.net" in listing
    page = staff_client.get(
        reverse("admin:integrations_jiraconnection_change", args=[acme_connection.pk])
    ).content.decode()
    assert f"…{CANARY_TOKEN[-4:]}" in page
    assert CANARY_TOKEN not in page
    assert 'name="api_token"' not in page


def test_saving_in_the_admin_keeps_the_secret(staff_client, acme_connection):
    url = reverse("admin:integrations_jiraconnection_change", args=[acme_connection.pk])
    response = staff_client.get(url)
    form = response.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update({"workspace": acme_connection.workspace_id, "project_keys": "ENG"})
    staff_client.post(url, data)
    acme_connection.refresh_from_db()
    assert acme_connection.api_token.reveal() == CANARY_TOKEN


def test_admin_sync_now_action_queues_a_sync(
    staff_client, acme_connection, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        staff_client.post(
            reverse("admin:integrations_jiraconnection_changelist"),
            {"action": "sync_now", "_selected_action": [acme_connection.pk]},
        )
    assert len(callbacks) == 1


def test_every_integrations_admin_page_opens(staff_client, acme_connection):
    models = ["jiraconnection", "atlassiangrant", "syncrun", "jiraproject", "person", "jirauser"]
    for model in [*models, "issue"]:
        assert (
            staff_client.get(reverse(f"admin:integrations_{model}_changelist")).status_code == 200
        ), model
    assert JiraConnection.objects.count() == 1


def test_the_runs_list_shows_a_dead_run_as_failed(staff_client, acme_connection):
    from django.utils import timezone

    from integrations.sync.claims import STALE_AFTER

    long_ago = timezone.now() - STALE_AFTER * 2
    run = SyncRun.objects.create(
        connection=acme_connection, started_at=long_ago, heartbeat_at=long_ago
    )
    listing = staff_client.get(reverse("admin:integrations_syncrun_changelist"))
    assert [row.status for row in listing.context["cl"].result_list] == ["failed"]
    run.refresh_from_db()
    assert "stopped without finishing" in run.error


def test_the_admins_sync_now_asks_the_same_service_as_the_manage_page(admin_client, acme):
    active = JiraConnection.objects.create(workspace=acme, subdomain="acme", email="a@acme.test")
    running = JiraConnection.objects.create(workspace=acme, subdomain="beta", email="a@acme.test")
    broken = JiraConnection.objects.create(
        workspace=acme, subdomain="gamma", email="a@acme.test", status="needs_attention"
    )
    claims.claim(running, kind="incremental", trigger="manual")
    response = admin_client.post(
        "/admin/integrations/jiraconnection/",
        {"action": "sync_now", "_selected_action": [active.pk, running.pk, broken.pk]},
        follow=True,
    )
    assert "Queued 1 sync(s); skipped 2" in response.content.decode()
    active.refresh_from_db()
    assert active.sync_requested_at is not None
    running.refresh_from_db()
    assert running.sync_requested_at is None


def test_the_grant_admin_shows_who_granted_access_but_never_a_token(staff_client, acme):
    connection = oauth_helpers.oauth_connection(acme)
    pages = [
        staff_client.get(reverse("admin:integrations_atlassiangrant_changelist")),
        staff_client.get(
            reverse("admin:integrations_atlassiangrant_change", args=[connection.grant_id])
        ),
        staff_client.get(reverse("admin:integrations_jiraconnection_change", args=[connection.pk])),
    ]
    for page in pages:
        text = page.content.decode()
        assert oauth_helpers.GRANTER in text
        assert oauth_helpers.ACCESS_TOKEN not in text
        assert oauth_helpers.REFRESH_TOKEN not in text


def test_deleting_a_connection_in_the_admin_deletes_its_unused_grant(staff_client, acme):
    connection = oauth_helpers.oauth_connection(acme)
    staff_client.post(
        reverse("admin:integrations_jiraconnection_delete", args=[connection.pk]), {"post": "yes"}
    )
    assert not JiraConnection.objects.exists()
    assert not AtlassianGrant.objects.exists()
