"""Connect with Atlassian end to end: the simulator plays Atlassian and Jira over real HTTP."""

from datetime import timedelta

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from integrations.models import AtlassianGrant, Issue, JiraConnection, SyncRun
from integrations.oauth.tokens import OAUTH_REJECTED_MESSAGE
from integrations.sync.run import sync_connection
from jira_simulator import (
    DEMO_EMAIL,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    JiraSimulator,
)
from tests.simulated import serving

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def simulator(settings):
    sim = JiraSimulator(seed=11, issues=150, projects=("KAN", "ENG"))
    with serving(sim, settings) as running:
        settings.ATLASSIAN_CLIENT_ID = OAUTH_CLIENT_ID
        settings.ATLASSIAN_CLIENT_SECRET = OAUTH_CLIENT_SECRET
        settings.ATLASSIAN_AUTH_URL = f"{running.url}/authorize"
        settings.ATLASSIAN_TOKEN_URL = f"{running.url}/oauth/token"
        settings.ATLASSIAN_API_URL = running.url
        yield sim


def sign_in_with_atlassian(client, start_url):
    """The browser's part: our redirect, Atlassian's consent page, Atlassian's redirect back."""
    to_atlassian = client.get(start_url)["Location"]
    consent = requests.get(to_atlassian, allow_redirects=False, timeout=10)
    assert consent.status_code == 302
    back = consent.headers["Location"]
    assert back.startswith("http://testserver/settings/integrations/jira/oauth/callback/?")
    return client.get(back)


def assert_synced_like_the_site(connection, site):
    truth = site.truth(DEMO_EMAIL)
    stored = dict(
        Issue.objects.filter(connection=connection, removed_at__isnull=True).values_list(
            "jira_id", "summary"
        )
    )
    assert {str(k): v for k, v in stored.items()} == {k: v["summary"] for k, v in truth.items()}


def test_connect_and_sync_over_oauth(alice_client, acme, simulator):
    response = sign_in_with_atlassian(alice_client, reverse("jira_oauth_start"))
    connection = JiraConnection.objects.get()
    assert response["Location"] == reverse("jira_manage", args=[connection.pk])
    assert connection.auth_type == JiraConnection.AuthType.OAUTH
    assert connection.cloud_id == simulator.site("acme").cloud_id
    assert connection.grant.granted_by == DEMO_EMAIL

    # The first sync ran when the connection was committed (tasks run inline in tests).
    run = connection.sync_runs.get()
    assert run.trigger == SyncRun.Trigger.CONNECT
    assert run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL), run.error
    assert_synced_like_the_site(connection, simulator.site("acme"))
    # The private dev-status API refuses OAuth: a warning, not a failure.
    assert any("development panel" in warning for warning in run.warnings)
    # Every Jira call went through the gateway, none to the site's own host.
    assert simulator.request_counts["/rest/api/3/search/jql"] >= 1
    page = alice_client.get(response["Location"]).content.decode()
    assert "OAuth (Atlassian)" in page and DEMO_EMAIL in page
    # What the run cost of the app's hourly points quota: a call plus each object returned.
    issues = Issue.objects.filter(connection=connection).count()
    assert run.api_points > run.requests_made + issues
    assert "API points (est.)" in page and f">{run.api_points}<" in page


def test_an_expired_token_is_refreshed_and_rotated_during_a_sync(alice_client, acme, simulator):
    sign_in_with_atlassian(alice_client, reverse("jira_oauth_start"))
    connection = JiraConnection.objects.get()
    first_refresh_token = connection.grant.refresh_token.reveal()
    # An hour later: Atlassian no longer takes the token, and the app knows it's expiring.
    simulator.oauth.expire_access_tokens()
    AtlassianGrant.objects.filter(pk=connection.grant_id).update(
        expires_at=timezone.now() + timedelta(seconds=30)
    )
    simulator.site("acme").update_issue("10001", summary="Renamed over OAuth")

    run = sync_connection(connection)

    assert run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL), run.error
    assert simulator.oauth.token_counts["refresh_token"] == 1
    assert simulator.oauth.token_counts["reuse"] == 0  # a retired token was never sent
    connection.refresh_from_db()
    assert connection.grant.refresh_token.reveal() != first_refresh_token
    assert connection.grant.expires_at > timezone.now() + timedelta(minutes=55)
    assert Issue.objects.get(connection=connection, jira_id=10001).summary == "Renamed over OAuth"


def test_a_revoked_grant_needs_attention_until_reconnected(alice_client, acme, simulator):
    sign_in_with_atlassian(alice_client, reverse("jira_oauth_start"))
    connection = JiraConnection.objects.get()
    simulator.oauth.revoke_grants()

    run = sync_connection(connection)

    connection.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert connection.needs_attention
    assert connection.last_error == OAUTH_REJECTED_MESSAGE
    manage = alice_client.get(reverse("jira_manage", args=[connection.pk])).content.decode()
    assert reverse("jira_oauth_reconnect", args=[connection.pk]) in manage

    response = sign_in_with_atlassian(
        alice_client, reverse("jira_oauth_reconnect", args=[connection.pk])
    )
    assert response["Location"] == reverse("jira_manage", args=[connection.pk])
    assert JiraConnection.objects.count() == 1
    connection.refresh_from_db()
    assert connection.status == JiraConnection.Status.ACTIVE
    # The reconnect queued a sync, which ran and succeeded with the new grant.
    latest = connection.sync_runs.order_by("-started_at").first()
    assert latest.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL), latest.error


def test_two_sites_of_one_consent_sync_separately(alice_client, acme, simulator):
    simulator.oauth.sites = ["acme", "globex"]
    response = sign_in_with_atlassian(alice_client, reverse("jira_oauth_start"))
    assert response["Location"] == reverse("jira_oauth_pick")
    ids = [simulator.site("acme").cloud_id, simulator.site("globex").cloud_id]
    alice_client.post(reverse("jira_oauth_pick"), {"sites": ids})
    for subdomain in ("acme", "globex"):
        connection = JiraConnection.objects.get(subdomain=subdomain)
        assert connection.cloud_id == simulator.site(subdomain).cloud_id
        assert_synced_like_the_site(connection, simulator.site(subdomain))


def test_boards_an_oauth_connection_may_not_read_stay_unnamed_with_one_warning(
    alice_client, acme, simulator
):
    # The app asks for no Agile (board) scope: Jira answers 401 "scope does not match".
    sign_in_with_atlassian(alice_client, reverse("jira_oauth_start"))
    connection = JiraConnection.objects.get()
    first = connection.sync_runs.get()
    assert first.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL), first.error
    boards = dict(connection.boards.values_list("jira_id", "name"))
    assert boards and set(boards.values()) == {""}
    warning = [w for w in first.warnings if "board" in w.lower()]
    assert len(warning) == 1
    asked = simulator.request_counts["/rest/agile/1.0/board/{ref}"]
    assert asked == 1  # one refusal stands for every board
    connection.refresh_from_db()
    assert connection.status == JiraConnection.Status.ACTIVE  # not "needs attention"
    second = sync_connection(connection)
    assert not [w for w in second.warnings if "board" in w.lower()]
    assert simulator.request_counts["/rest/agile/1.0/board/{ref}"] == asked


def test_an_oauth_connection_is_only_used_through_the_gateway_it_was_made_with(
    alice_client, acme, simulator, settings
):
    sign_in_with_atlassian(alice_client, reverse("jira_oauth_start"))
    connection = JiraConnection.objects.get()
    made_for = f"{settings.ATLASSIAN_API_URL}/ex/jira/{connection.cloud_id}"
    assert connection.site_url == made_for
    simulator.reset_counts()

    # The same database served by a server configured for the real Atlassian.
    settings.ATLASSIAN_API_URL = "https://api.atlassian.com"
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.FAILED
    assert run.error == (
        f"This connection was made for {made_for}; this server would send its credentials to "
        f"https://api.atlassian.com/ex/jira/{connection.cloud_id}. Reconnect it to use it here."
    )
    assert run.requests_made == 0
    assert sum(simulator.request_counts.values()) == 0  # not even a token refresh
    connection.refresh_from_db()
    assert connection.needs_attention
