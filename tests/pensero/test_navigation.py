"""The navigation marks the open page's links, found by the page's URL name."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from pensero.context_processors import NAVIGATION
from tests.analytics.factories import make_connection, make_person, make_team


def _routes(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name, prefix + str(pattern.pattern)


def test_every_settings_report_and_issue_url_marks_its_section():
    for name, route in _routes():
        if route.startswith("settings/"):
            assert NAVIGATION.get(name, ("",))[0] == "settings", name
        elif route.startswith(("reports/", "issues/")):
            assert NAVIGATION.get(name, ("",))[0] == "reports", name
        elif name in NAVIGATION:
            assert NAVIGATION[name] == ("dashboard", "")


def _current(page: str) -> list[str]:
    return re.findall(r'aria-current="page">([^<]+)</a>', page)


@pytest.mark.parametrize(
    ("url_name", "args", "current"),
    [
        ("dashboard", [], ["Dashboard"]),
        ("reports", [], ["Reports", "Delivery"]),
        ("report_sprints", [], ["Reports", "Sprints"]),
        ("report_investment", [], ["Reports", "Investment"]),
        ("report_scoring", [], ["Reports"]),
        ("report_team", ["team"], ["Reports"]),
        ("integrations", [], ["Settings", "Integrations"]),
        ("jira_manage", ["connection"], ["Settings", "Integrations"]),
        ("members", [], ["Settings", "Members"]),
        ("team_edit", ["team"], ["Settings", "Teams"]),
        ("delivery_settings", [], ["Settings", "Delivery"]),
        ("investment_settings", [], ["Settings", "Investment"]),
    ],
)
def test_the_open_pages_links_are_marked(alice_client, acme, url_name, args, current):
    objects = {
        "connection": make_connection(acme, "acme"),
        "team": make_team(acme, "Platform", [make_person(acme, "Ann Archer")]),
    }
    response = alice_client.get(reverse(url_name, args=[objects[arg].pk for arg in args]))
    assert response.status_code == 200
    assert _current(response.content.decode()) == current
