import pytest
import responses
from django.utils import timezone

from integrations.models import JiraConnection
from pensero.encryption import Secret

SITE = "https://acme.atlassian.net"
CANARY_TOKEN = "CANARY-tok-7f3a9c2e5b1d4f6a8e0c"


@pytest.fixture
def jira_api():
    """`responses` for Jira over HTTP; a call to anything unregistered fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def mock_myself(mock, *, site=SITE, status=200, time_zone="Europe/Berlin"):
    body = {
        "accountId": "5b10ac8d82e05b22cc7d4ef5",
        "displayName": "Alice Admin",
        "emailAddress": "alice@acme.test",
        "timeZone": time_zone,
        "accountType": "atlassian",
        "active": True,
    }
    if status != 200:
        body = {
            "errorMessages": ["Client must be authenticated to access this resource."],
            "errors": {},
        }
    mock.get(f"{site}/rest/api/3/myself", json=body, status=status)


def mock_projects(mock, visible, *, site=SITE):
    mock.get(
        f"{site}/rest/api/3/project/search",
        json={
            "values": [
                {"id": str(10000 + i), "key": key, "name": f"{key} project"}
                for i, key in enumerate(visible)
            ],
            "isLast": True,
            "total": len(visible),
            "startAt": 0,
            "maxResults": 50,
        },
    )


@pytest.fixture
def acme_connection(acme):
    return JiraConnection.objects.create(
        workspace=acme,
        subdomain="acme",
        email="alice@acme.test",
        api_token=Secret(CANARY_TOKEN),
        api_token_hint=CANARY_TOKEN[-4:],
        api_token_set_at=timezone.now(),
        project_keys="ENG,KAN",
    )
