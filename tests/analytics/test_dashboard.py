from datetime import timedelta

from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations.models import JiraConnection, SyncRun
from tests.analytics.factories import make_connection, make_issue, make_person


def test_it_leads_admins_to_integrations_when_nothing_is_connected(alice_client, acme):
    response = alice_client.get(reverse("dashboard"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "No data yet" in page
    assert reverse("integrations") in page
    assert "Go to Settings → Integrations" in page


def test_it_tells_members_an_admin_must_connect_jira(bob_client, acme):
    page = bob_client.get(reverse("dashboard")).content.decode()
    assert "An admin of this workspace needs to connect Jira" in page
    assert "Go to Settings → Integrations" not in page


def test_it_shows_the_last_90_days_and_sync_status(alice_client, acme):
    connection = make_connection(acme, "acme")
    connection.last_synced_at = timezone.now() - timedelta(minutes=5)
    connection.save()
    ann = make_person(acme, "Ann Archer", connection)
    now = timezone.now()
    for days in (1, 10, 100):
        make_issue(
            connection,
            assignee=ann,
            started=now - timedelta(days=days + 2),
            done=now - timedelta(days=days),
            score=50,
        )
    make_issue(connection, assignee=ann, started=now - timedelta(days=1))
    response = alice_client.get(reverse("dashboard"))
    cards = {card["label"]: card["value"] for card in response.context["cards"]}
    assert cards["Delivered issues"] == "2"
    assert cards["Total score"] == "100"
    assert cards["Work in progress"] == "1"
    page = response.content.decode()
    assert "acme.atlassian.net" in page
    assert "Active" in page
    assert "ago" in page


def test_it_shows_a_running_sync_and_a_connection_needing_attention(alice_client, acme):
    running = make_connection(acme, "acme")
    SyncRun.objects.create(
        connection=running, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    broken = make_connection(acme, "acme-eu")
    broken.status = JiraConnection.Status.NEEDS_ATTENTION
    broken.save()
    page = alice_client.get(reverse("dashboard")).content.decode()
    assert "Syncing" in page
    assert "Needs attention" in page
    assert reverse("jira_manage", args=[broken.pk]) in page
    assert "Nothing delivered or in progress yet" in page


def test_it_only_shows_the_current_workspace(charlie_client, acme, globex):
    make_connection(acme, "acme")
    page = charlie_client.get(reverse("dashboard")).content.decode()
    assert "acme.atlassian.net" not in page
    assert "No data yet" in page


def test_it_requires_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302


def _dashboard_queries(client) -> int:
    with CaptureQueriesContext(db_connection) as queries:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return len(queries)


def test_the_dashboard_runs_a_fixed_number_of_queries(alice_client, acme):
    connection = make_connection(acme, "acme")
    ann = make_person(acme, "Ann Archer", connection)
    now = timezone.now()
    alice_client.get(reverse("dashboard"))  # the session settles on the workspace

    def add(count, closed_as=""):
        for n in range(count):
            make_issue(
                connection,
                assignee=ann,
                started=now - timedelta(days=n % 30 + 2),
                done=now - timedelta(days=n % 30 + 1),
                score=40 + n % 50,
                resolution=closed_as,
            )

    add(3)
    small = _dashboard_queries(alice_client)
    add(120)
    add(20, closed_as="Won't Do")
    large = _dashboard_queries(alice_client)
    assert small == large <= 15
