"""Arbitrary text, huge values and unicode in every form and query parameter: never a 500."""

import re

import pytest
import responses
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integrations.conftest import CANARY_TOKEN

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=5000),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "ACME",
            "https://acme.atlassian.net",
            "-1",
            "9" * 40,
            "%00",
            "' OR 1=1 --",
            "<script>",
        ]
    ),
)


def form_data(*names):
    return st.fixed_dictionaries({name: text for name in names})


@pytest.fixture
def jira_refuses():
    """Any Jira call the fuzz reaches gets a 401 (and nothing leaves the machine)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, re.compile(r".*"), callback=lambda r: (401, {}, "{}"))
        mock.add_callback(responses.POST, re.compile(r".*"), callback=lambda r: (401, {}, "{}"))
        yield mock


def _ok(response):
    assert response.status_code < 500, response.status_code


@FUZZ
@given(data=form_data("subdomain", "email", "api_token", "projects"))
def test_connect_form(alice_client, jira_refuses, data):
    _ok(alice_client.post(reverse("jira_connect_token"), data))


@FUZZ
@given(data=form_data("email", "api_token", "projects"))
def test_manage_form(alice_client, acme_connection, jira_refuses, data):
    response = alice_client.post(reverse("jira_manage", args=[acme_connection.pk]), data)
    _ok(response)
    assert CANARY_TOKEN not in response.content.decode()


@FUZZ
@given(data=form_data("email", "role"))
def test_member_form(alice_client, data):
    _ok(alice_client.post(reverse("members"), data))


@FUZZ
@given(data=form_data("role"), membership=st.one_of(st.integers(), st.just(None)))
def test_role_form(alice_client, bob, data, membership):
    from pensero.models import Membership

    pk = Membership.objects.get(user=bob).pk if membership is None else abs(membership) % 10**9
    _ok(alice_client.post(reverse("member_role", args=[pk]), data))


@FUZZ
@given(data=form_data("name", "slug"))
def test_workspace_form(alice_client, data):
    _ok(alice_client.post(reverse("workspace_create"), data))


@FUZZ
@given(data=form_data("workspace", "next"))
def test_workspace_switch(alice_client, data):
    _ok(alice_client.post(reverse("workspace_switch"), data))


@FUZZ
@given(data=form_data("delete_data"))
def test_disconnect_form(alice_client, acme_connection, data):
    # The first example disconnects (and may delete) the site; later ones hit what is left.
    _ok(alice_client.post(reverse("jira_disconnect", args=[acme_connection.pk]), data))


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "from",
                "to",
                "start",
                "end",
                "site",
                "project",
                "team",
                "sort",
                "format",
                "page",
                "q",
                "period",
            ]
        ),
        text,
        max_size=6,
    )
)
def test_report_query_parameters(alice_client, acme_connection, params):
    for name in ["dashboard", "reports"]:
        _ok(alice_client.get(reverse(name), params))
