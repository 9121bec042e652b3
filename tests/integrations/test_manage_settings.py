"""The Manage page's settings (credentials, projects, story points field, real-time updates)
and Settings → Delivery, saved as a browser submits them.

A site of the Jira simulator is connected through the Connect page and synced, as an admin
does. Then each form is read from the rendered page and posted back: unchanged, nothing
stored changes; with one value changed, only that value changes.
"""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.models import (
    AtlassianGrant,
    DeliveryRules,
    Issue,
    JiraConnection,
    JiraProject,
    JiraWebhook,
)
from jira_simulator import (
    DEMO_EMAIL,
    DEMO_TOKEN,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    JiraSimulator,
)
from tests.integrations.test_oauth_sync import sign_in_with_atlassian
from tests.rows import stored_rows
from tests.simulated import serving
from tests.submitted_forms import form_data

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PROJECTS = ("KAN", "ENG", "PLAT")  # the simulator's


@pytest.fixture
def simulator(settings):
    with serving(JiraSimulator(seed=5, issues=40, projects=PROJECTS), settings) as running:
        yield running


@pytest.fixture
def site(simulator, alice_client, acme, django_capture_on_commit_callbacks):
    """acme's connection to the simulator, made on the Connect page and synced once."""
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("jira_connect_token"),
            {"subdomain": "acme", "email": DEMO_EMAIL, "api_token": DEMO_TOKEN,
             "projects": "ENG,KAN"},
        )  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    connection = JiraConnection.objects.get(workspace=acme)
    _manage_page(alice_client, connection)  # where Connect leads; it makes the webhook's secret
    assert connection.last_synced_at is not None
    assert connection.estimation_fields and connection.resolutions
    return connection


def _stored(connection) -> dict:
    """Everything the Manage page's forms could change."""
    return {
        "connection": stored_rows(JiraConnection.objects.filter(pk=connection.pk)),
        "projects": stored_rows(JiraProject.objects.filter(connection=connection)),
        "webhooks": stored_rows(JiraWebhook.objects.filter(connection=connection)),
        "issues": stored_rows(Issue.objects.filter(connection=connection)),
    }


def _manage_page(client, connection) -> str:
    response = client.get(reverse("jira_manage", args=[connection.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _post(client, url, data, capture):
    with capture(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()


# Manage → Settings: the account's email, the API token, the projects.


def test_saving_the_settings_unchanged_changes_nothing(
    alice_client, site, django_capture_on_commit_callbacks
):
    before = _stored(site)
    data = form_data(_manage_page(alice_client, site), button="Save changes")
    assert data == {
        "csrfmiddlewaretoken": data["csrfmiddlewaretoken"],
        "email": [DEMO_EMAIL],
        "api_token": [""],
        "projects": ["ENG,KAN"],
    }
    url = reverse("jira_manage", args=[site.pk])
    _post(alice_client, url, data, django_capture_on_commit_callbacks)
    after = _stored(site)
    for name in before:
        assert after[name] == before[name], name


def test_adding_one_project_changes_only_the_project_list(
    alice_client, site, django_capture_on_commit_callbacks
):
    before = _stored(site)
    data = form_data(_manage_page(alice_client, site), button="Save changes")
    data["projects"] = ["ENG,KAN,PLAT"]
    _post(
        alice_client,
        reverse("jira_manage", args=[site.pk]),
        data,
        django_capture_on_commit_callbacks,
    )
    after = _stored(site)
    assert after["connection"] == [before["connection"][0] | {"project_keys": "ENG,KAN,PLAT"}]
    assert after["issues"] == before["issues"]  # PLAT's issues arrive with the next sync


@EXAMPLES
@given(keys=st.lists(st.sampled_from(PROJECTS), unique=True))
def test_any_project_list_survives_saving_unchanged(
    alice_client, site, django_capture_on_commit_callbacks, keys
):
    url = reverse("jira_manage", args=[site.pk])
    data = form_data(_manage_page(alice_client, site), button="Save changes")
    _post(
        alice_client, url, data | {"projects": [",".join(keys)]}, django_capture_on_commit_callbacks
    )
    before = _stored(site)
    data = form_data(_manage_page(alice_client, site), button="Save changes")
    assert data["projects"] == [",".join(keys)]
    _post(alice_client, url, data, django_capture_on_commit_callbacks)
    assert _stored(site) == before


# Manage → Story points.


@pytest.mark.parametrize("chosen", ["", "first", "last"])
def test_saving_the_story_points_field_unchanged_changes_nothing(alice_client, site, chosen):
    fields = [field["id"] for field in site.estimation_fields]
    assert len(fields) == 2  # both of Jira's: Story point estimate and Story Points
    chosen = {"": "", "first": fields[0], "last": fields[-1]}[chosen]
    JiraConnection.objects.filter(pk=site.pk).update(story_points_field=chosen)
    before = _stored(site)
    data = form_data(_manage_page(alice_client, site), button="Save story points field")
    assert data["story_points_field"] == [chosen]
    alice_client.post(reverse("jira_story_points", args=[site.pk]), data)
    assert _stored(site) == before


def test_choosing_another_story_points_field_changes_only_that(alice_client, site):
    before = _stored(site)["connection"][0]
    data = form_data(_manage_page(alice_client, site), button="Save story points field")
    data["story_points_field"] = [site.estimation_fields[1]["id"]]
    alice_client.post(reverse("jira_story_points", args=[site.pk]), data)
    after = _stored(site)["connection"][0]
    # The next sync reads every issue's points again (facts_version 0 makes it a full one).
    assert after == before | {
        "story_points_field": data["story_points_field"][0],
        "facts_version": 0,
    }


def test_a_chosen_field_the_site_no_longer_lists_survives_saving_unchanged(alice_client, site):
    JiraConnection.objects.filter(pk=site.pk).update(story_points_field="customfield_19999")
    before = _stored(site)
    data = form_data(_manage_page(alice_client, site), button="Save story points field")
    assert data["story_points_field"] == ["customfield_19999"]
    alice_client.post(reverse("jira_story_points", args=[site.pk]), data)
    assert _stored(site) == before


# Settings → Delivery: the resolutions that mean "not delivered".


def _delivery(workspace) -> dict:
    return {
        "rules": stored_rows(DeliveryRules.objects.filter(workspace=workspace)),
        "issues": stored_rows(Issue.objects.filter(workspace=workspace)),
    }


def _delivery_form(client) -> dict:
    response = client.get(reverse("delivery_settings"))
    assert response.status_code == 200
    return form_data(response.content.decode(), button="Save")


def test_saving_the_default_resolutions_unchanged_stores_nothing(alice_client, site, acme):
    before = _delivery(acme)
    response = alice_client.post(reverse("delivery_settings"), _delivery_form(alice_client))
    assert response.status_code == 302
    assert _delivery(acme) == before
    assert before["rules"] == []  # still the defaults


def test_ticking_one_resolution_changes_only_its_issues(alice_client, site, acme):
    done = Issue.objects.filter(workspace=acme, delivered=True).exclude(resolution="")
    resolution = done.values_list("resolution", flat=True).first()
    expected = set(done.filter(resolution=resolution).values_list("key", flat=True))
    before = _delivery(acme)
    data = _delivery_form(alice_client)
    data["not_delivered"] = [*data["not_delivered"], resolution]
    alice_client.post(reverse("delivery_settings"), data)
    after = _delivery(acme)
    flipped = {row["key"] for row in after["issues"] if row not in before["issues"]}
    assert flipped == expected
    assert all(row["resolution"] == resolution for row in after["issues"] if row["key"] in flipped)
    assert after["rules"][0]["not_delivered_resolutions"] == sorted(data["not_delivered"])


NAMES = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)


@EXAMPLES
@given(
    site_names=st.lists(NAMES, max_size=6),
    chosen=st.lists(NAMES, max_size=6),
)
def test_any_resolution_lists_survive_saving_unchanged(
    alice_client, site, acme, site_names, chosen
):
    JiraConnection.objects.filter(pk=site.pk).update(
        resolutions=[{"id": str(n), "name": name} for n, name in enumerate(site_names)]
    )
    DeliveryRules.objects.update_or_create(
        workspace=acme, defaults={"not_delivered_resolutions": chosen}
    )
    alice_client.post(reverse("delivery_settings"), _delivery_form(alice_client))  # as it stores
    before = _delivery(acme)
    response = alice_client.post(reverse("delivery_settings"), _delivery_form(alice_client))
    assert response.status_code == 302
    assert _delivery(acme) == before


# Manage → Settings of a site connected with Atlassian (OAuth): the projects only.


@pytest.fixture
def oauth_site(simulator, settings, alice_client, acme, django_capture_on_commit_callbacks):
    return _oauth_connection(
        simulator, settings, alice_client, acme, django_capture_on_commit_callbacks
    )


def _oauth_connection(simulator, settings, alice_client, acme, capture):
    """acme connected with Atlassian, the simulator playing Atlassian too, synced once."""
    base = simulator.url
    settings.ATLASSIAN_CLIENT_ID = OAUTH_CLIENT_ID
    settings.ATLASSIAN_CLIENT_SECRET = OAUTH_CLIENT_SECRET
    settings.ATLASSIAN_AUTH_URL = f"{base}/authorize"
    settings.ATLASSIAN_TOKEN_URL = f"{base}/oauth/token"
    settings.ATLASSIAN_API_URL = base
    with capture(execute=True):
        response = sign_in_with_atlassian(alice_client, reverse("jira_oauth_start"))
    assert response.status_code == 302, response.content.decode()
    connection = JiraConnection.objects.get(workspace=acme)
    assert connection.is_oauth and connection.last_synced_at is not None
    _manage_page(alice_client, connection)
    return connection


def _oauth_stored(connection) -> dict:
    return _stored(connection) | {
        "grant": stored_rows(AtlassianGrant.objects.filter(connections=connection))
    }


def test_saving_an_oauth_sites_settings_unchanged_changes_nothing(
    alice_client, oauth_site, django_capture_on_commit_callbacks
):
    before = _oauth_stored(oauth_site)
    data = form_data(_manage_page(alice_client, oauth_site), button="Save changes")
    assert set(data) == {"csrfmiddlewaretoken", "projects"}
    url = reverse("jira_manage", args=[oauth_site.pk])
    _post(alice_client, url, data, django_capture_on_commit_callbacks)
    after = _oauth_stored(oauth_site)
    for name in before:
        assert after[name] == before[name], name


def test_a_resolution_spelt_with_either_apostrophe_is_one_checkbox(alice_client, site, acme):
    # The rule reads "Won’t Do" and "Won't Do" as one resolution: so does the page, with
    # the sites that have it, ticked while the default list holds it.
    JiraConnection.objects.filter(pk=site.pk).update(
        resolutions=[{"id": "1", "name": "Done"}, {"id": "2", "name": "Won\u2019t Do"}]
    )
    page = alice_client.get(reverse("delivery_settings")).content.decode()
    assert "Won\u2019t Do" not in page
    assert "Won&#x27;t Do (acme)" in page
    data = _delivery_form(alice_client)
    assert "Won't Do" in data["not_delivered"]
    # Unticking it takes it off the list, and the page shows it unticked.
    data["not_delivered"].remove("Won't Do")
    alice_client.post(reverse("delivery_settings"), data)
    assert "Won't Do" not in DeliveryRules.objects.get(workspace=acme).not_delivered_resolutions
    assert "Won't Do" not in _delivery_form(alice_client)["not_delivered"]


def test_saving_an_oauth_sites_settings_unchanged_keeps_its_webhooks(
    alice_client, simulator, settings, acme, django_capture_on_commit_callbacks
):
    # Jira reaches the app: connecting registers the site's dynamic webhooks.
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"  # the simulator delivers to loopback only
    connection = _oauth_connection(simulator, settings, alice_client, acme,
                                   django_capture_on_commit_callbacks)  # fmt: skip
    webhook = JiraWebhook.objects.get(connection=connection)
    assert webhook.dynamic_webhook_ids and webhook.registered_at, webhook.last_error
    before = _oauth_stored(connection)
    data = form_data(_manage_page(alice_client, connection), button="Save changes")
    url = reverse("jira_manage", args=[connection.pk])
    _post(alice_client, url, data, django_capture_on_commit_callbacks)
    after = _oauth_stored(connection)
    for name in before:
        assert after[name] == before[name], name
    # A change of projects registers them anew, with the new filter.
    _post(alice_client, url, data | {"projects": ["ENG"]}, django_capture_on_commit_callbacks)
    webhook = JiraWebhook.objects.get(connection=connection)
    assert webhook.registered_jql == "project in (ENG)"
    assert webhook.dynamic_webhook_ids != before["webhooks"][0]["dynamic_webhook_ids"]
