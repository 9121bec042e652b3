"""manage.py jira_webhooks: what an admin pastes into Jira, registering it, a new secret."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from integrations.models import AtlassianGrant
from integrations.webhooks.events import ADMIN_EVENTS
from integrations.webhooks.setup import webhook_for
from jira_simulator import JiraSimulator
from tests.integrations.oauth_helpers import SCOPE, configure, oauth_connection
from tests.simulated import demo_connection, serving

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"


def run(*args) -> dict:
    out = io.StringIO()
    call_command("jira_webhooks", *args, stdout=out, stderr=io.StringIO())
    (line,) = out.getvalue().splitlines()
    return json.loads(line)


def test_it_prints_one_json_object_to_paste_into_jira(acme_connection):
    details = run("--connection", str(acme_connection.pk))
    webhook = webhook_for(acme_connection)
    assert details == {
        "url": f"http://127.0.0.1:8000/hooks/jira/{webhook.url_token}/",
        "secret": webhook.secret.reveal(),
        "jql": "project in (ENG, KAN)",
        "events": ADMIN_EVENTS,
    }


def test_rotate_secret_prints_the_new_one(acme_connection):
    before = run("--connection", str(acme_connection.pk))["secret"]
    after = run("--connection", str(acme_connection.pk), "--rotate-secret")["secret"]
    assert after != before
    assert webhook_for(acme_connection).secret.reveal() == after


def test_register_adds_it_in_jira(acme, settings):
    simulator = JiraSimulator(seed=2, issues=10)
    simulator.webhooks.max_retries = 0
    with serving(simulator, settings):
        connection = demo_connection(acme)
        details = run("--connection", str(connection.pk), "--register")
        (registration,) = simulator.webhooks.registrations("acme")
        assert registration.url == details["url"] and registration.secret == details["secret"]
        assert details["jql"] == ""  # every project


def test_an_oauth_connection_has_no_secret_to_paste(acme, settings):
    configure(settings)
    connection = oauth_connection(acme)
    AtlassianGrant.objects.filter(pk=connection.grant_id).update(
        scopes=f"{SCOPE} manage:jira-webhook"
    )
    details = run("--connection", str(connection.pk))
    assert details["url"] == "http://127.0.0.1:8000/hooks/jira/app/"
    assert details["secret"] is None


def test_it_needs_the_public_url_and_a_connection(acme_connection, settings):
    with pytest.raises(CommandError, match="No Jira connection"):
        run("--connection", "999999")
    settings.PUBLIC_BASE_URL = ""
    with pytest.raises(CommandError, match="PUBLIC_BASE_URL"):
        run("--connection", str(acme_connection.pk))
