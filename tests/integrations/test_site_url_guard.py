"""A connection is only used with the site URL it was made for: the demo's credentials and
data never reach a real site when the same database is served with other settings."""

import pytest
from django.urls import reverse

from integrations import services
from integrations.models import JiraConnection, SyncRun
from integrations.sync.run import sync_connection
from jira_simulator import DEMO_EMAIL, DEMO_TOKEN, JiraSimulator
from tests.simulated import demo_connection, serving

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_site(settings):
    """The simulator the connection is made for (the demo's)."""
    with serving(JiraSimulator(seed=1, issues=30), settings) as running:
        yield running


@pytest.fixture
def other_site(demo_site):
    """Another simulator standing in for the real site the settings point at later."""
    from jira_simulator import start_simulator

    simulator = JiraSimulator(seed=2, issues=30)
    running = start_simulator(simulator)
    try:
        yield running
    finally:
        running.stop()


def _requests(running) -> int:
    return sum(running.simulator.request_counts.values())


def _made_for_the_demo(acme, demo_site, **fields):
    return services.jira_connection_create(
        workspace=acme, subdomain="acme", email=DEMO_EMAIL, api_token=DEMO_TOKEN, project_keys=[]
    )


def test_connecting_records_the_site_url_the_credentials_were_checked_with(acme, demo_site):
    connection = _made_for_the_demo(acme, demo_site)
    assert connection.site_url == demo_site.site_url_template.format(subdomain="acme")
    assert connection.site_url.startswith("http://127.0.0.1:")


def test_a_connection_served_with_another_site_url_refuses_to_sync_and_sends_nothing(
    acme, alice_client, demo_site, other_site, settings
):
    connection = _made_for_the_demo(acme, demo_site)
    made_for = connection.site_url
    settings.JIRA_SITE_URL_TEMPLATE = other_site.site_url_template  # `DEMO=0 make run`
    would_use = other_site.site_url_template.format(subdomain="acme")

    run = sync_connection(connection)

    message = (
        f"This connection was made for {made_for}; this server would send its credentials "
        f"to {would_use}. Reconnect it to use it here."
    )
    assert run.status == SyncRun.Status.FAILED
    assert run.error == message
    assert run.requests_made == 0
    assert _requests(other_site) == 0
    connection.refresh_from_db()
    assert connection.status == JiraConnection.Status.NEEDS_ATTENTION
    assert connection.last_error == message
    assert connection.site_url == made_for  # still the demo's
    page = alice_client.get(reverse("jira_manage", args=[connection.pk])).content.decode()
    assert message in page


def test_saving_the_manage_form_without_a_new_token_refuses_the_other_site(
    acme, alice_client, demo_site, other_site, settings
):
    connection = _made_for_the_demo(acme, demo_site)
    settings.JIRA_SITE_URL_TEMPLATE = other_site.site_url_template
    response = alice_client.post(
        reverse("jira_manage", args=[connection.pk]),
        {"email": DEMO_EMAIL, "api_token": "", "projects": ""},
    )
    assert response.status_code == 200
    assert "Enter the API token again" in response.content.decode()
    assert _requests(other_site) == 0

    # Reconnecting with the credentials for the site this server uses: recorded as its own.
    response = alice_client.post(
        reverse("jira_manage", args=[connection.pk]),
        {"email": DEMO_EMAIL, "api_token": DEMO_TOKEN, "projects": ""},
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.site_url == other_site.site_url_template.format(subdomain="acme")
    assert sync_connection(connection).status == SyncRun.Status.SUCCEEDED


def test_a_connection_made_before_site_urls_were_kept_gets_one_at_its_next_good_sync(
    acme, demo_site
):
    connection = demo_connection(acme, project_keys="")
    assert connection.site_url == ""
    assert sync_connection(connection).status == SyncRun.Status.SUCCEEDED
    connection.refresh_from_db()
    assert connection.site_url == demo_site.site_url_template.format(subdomain="acme")
