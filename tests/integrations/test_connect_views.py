import pytest
import requests
from django.db import connection as db_connection
from django.urls import reverse

from integrations.models import JiraConnection
from tests.integrations.conftest import CANARY_TOKEN, SITE, mock_myself, mock_projects

pytestmark = pytest.mark.django_db

CONNECT = reverse("jira_connect_token")


def _form(**overrides):
    data = {
        "subdomain": "acme",
        "email": "alice@acme.test",
        "api_token": CANARY_TOKEN,
        "projects": "",
    }
    data.update(overrides)
    return data


def test_connect_with_api_token_saves_and_queues_the_first_sync(
    alice_client, acme, jira_api, django_capture_on_commit_callbacks
):
    mock_myself(jira_api)
    mock_projects(jira_api, ["ENG", "KAN"])
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(CONNECT, _form(projects=" eng, KAN ,,eng"))
    connection = JiraConnection.objects.get(workspace=acme)
    assert response.status_code == 302
    assert response["Location"] == reverse("jira_manage", args=[connection.pk])
    assert connection.subdomain == "acme"
    assert connection.project_key_list == ["ENG", "KAN"]
    assert connection.api_token.reveal() == CANARY_TOKEN
    assert connection.jira_time_zone == "Europe/Berlin"
    assert len(callbacks) == 1  # the first sync, queued after commit
    page = alice_client.get(response["Location"]).content.decode()
    assert "Connected acme.atlassian.net" in page
    assert CANARY_TOKEN not in page


@pytest.mark.parametrize(
    "pasted",
    [
        "acme",
        "ACME",
        "acme.atlassian.net",
        "https://acme.atlassian.net/jira/software/projects/KAN/boards/1",
        " https://acme.atlassian.net/ ",
    ],
)
def test_pasted_site_addresses_reduce_to_the_label(alice_client, acme, jira_api, pasted):
    mock_myself(jira_api)
    alice_client.post(CONNECT, _form(subdomain=pasted))
    assert JiraConnection.objects.get(workspace=acme).subdomain == "acme"


@pytest.mark.parametrize(
    "hostile",
    [
        "evil.com",
        "acme.atlassian.net.evil.com",
        "https://evil.com/acme.atlassian.net",
        "127.0.0.1",
        "acme.atlassian.net:8080",
        "user@acme.atlassian.net",
        "https://x@evil.com",
        "acme\u2024atlassian\u2024net",
        "xn--acme-9za",
        "ａcme",
        "-acme",
        "",
    ],
)
def test_hostile_sites_are_form_errors_and_nothing_is_called(alice_client, acme, jira_api, hostile):
    response = alice_client.post(CONNECT, _form(subdomain=hostile))
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert len(jira_api.calls) == 0
    assert not JiraConnection.objects.exists()


def test_wrong_token_is_a_clear_error_and_nothing_is_saved(alice_client, acme, jira_api):
    mock_myself(jira_api, status=401)
    response = alice_client.post(CONNECT, _form())
    page = response.content.decode()
    assert response.status_code == 200
    assert "Jira rejected this email and API token" in page
    assert CANARY_TOKEN not in page
    assert not JiraConnection.objects.exists()


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503, "json": {"errorMessages": ["down"]}},
        {"status": 500, "body": "oops"},
        {"body": requests.exceptions.ConnectTimeout("timed out")},
        {"body": requests.exceptions.ConnectionError("refused")},
    ],
)
def test_unreachable_jira_saves_nothing(alice_client, acme, jira_api, failure):
    jira_api.get(f"{SITE}/rest/api/3/myself", **failure)
    response = alice_client.post(CONNECT, _form())
    assert "Couldn&#x27;t reach acme.atlassian.net, try again" in response.content.decode()
    assert len(jira_api.calls) == 1  # no retries while the admin waits
    assert not JiraConnection.objects.exists()


def test_projects_the_account_cannot_see_are_named(alice_client, acme, jira_api):
    mock_myself(jira_api)
    mock_projects(jira_api, ["ENG"])
    response = alice_client.post(CONNECT, _form(projects="ENG,KAN,PLAT"))
    page = response.content.decode()
    assert "can&#x27;t see projects KAN, PLAT" in page
    assert "access" in page
    assert not JiraConnection.objects.exists()


@pytest.mark.parametrize(
    ("projects", "bad"),
    [
        ("ENG,1ABC", "1ABC"),
        ("ENG,KAN-1", "KAN-1"),
        ("TOOLONGPROJECTKEY", "TOOLONGPROJECTKEY"),
        ("EN G", "EN G"),
    ],
)
def test_malformed_project_keys_are_named(alice_client, acme, jira_api, projects, bad):
    response = alice_client.post(CONNECT, _form(projects=projects))
    assert f"“{bad}” is not a Jira project key" in response.content.decode()
    assert len(jira_api.calls) == 0


def test_the_same_site_cannot_be_connected_twice(alice_client, acme_connection, jira_api):
    response = alice_client.post(CONNECT, _form(subdomain="https://ACME.atlassian.net"))
    assert "already connected to this workspace" in response.content.decode()
    assert JiraConnection.objects.count() == 1


def test_two_sites_in_one_workspace(alice_client, acme, acme_connection, jira_api):
    mock_myself(jira_api, site="https://acme-eu.atlassian.net")
    alice_client.post(CONNECT, _form(subdomain="acme-eu"))
    assert sorted(JiraConnection.objects.values_list("subdomain", flat=True)) == ["acme", "acme-eu"]
    page = alice_client.get(reverse("integrations")).content.decode()
    assert "acme.atlassian.net" in page and "acme-eu.atlassian.net" in page


def test_token_field_is_never_rendered_back(alice_client, acme, jira_api):
    mock_myself(jira_api, status=401)
    page = alice_client.post(CONNECT, _form()).content.decode()
    assert 'type="password"' in page
    assert CANARY_TOKEN not in page


def test_the_database_column_holds_only_ciphertext(alice_client, acme, jira_api):
    mock_myself(jira_api)
    alice_client.post(CONNECT, _form())
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT api_token FROM integrations_jiraconnection")
        (raw,) = cursor.fetchone()
    assert CANARY_TOKEN not in raw
    assert raw.startswith("gAAAAA")  # a Fernet token


def test_integrations_page_shows_the_connect_choices(alice_client, acme_connection):
    page = alice_client.get(reverse("integrations")).content.decode()
    assert "Connect using API Token" in page
    assert "Connect with Atlassian" in page and "ATLASSIAN_CLIENT_ID" in page
    assert "ENG,KAN" in page
    assert CANARY_TOKEN not in page
