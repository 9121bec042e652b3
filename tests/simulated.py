"""The built-in Jira simulator served to a test, and a connection to it as its demo account."""

from contextlib import contextmanager

from integrations.models import JiraConnection
from jira_simulator import DEMO_EMAIL, DEMO_TOKEN, start_simulator
from pensero.encryption import Secret


@contextmanager
def serving(simulator, settings):
    """Serve `simulator` on loopback with the app's Jira sites pointed at it; yields the
    RunningSimulator and stops it on the way out."""
    running = start_simulator(simulator)
    try:
        settings.JIRA_SITE_URL_TEMPLATE = running.site_url_template
        yield running
    finally:
        running.stop()


def demo_connection(workspace, subdomain="acme", **fields):
    """An API-token connection to the simulator's `subdomain` as its demo account; `fields`
    go to the JiraConnection as they are."""
    return JiraConnection.objects.create(
        workspace=workspace,
        subdomain=subdomain,
        email=DEMO_EMAIL,
        api_token=Secret(DEMO_TOKEN),
        **fields,
    )
