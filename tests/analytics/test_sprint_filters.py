"""The Sprints report's board filter: boards named as Jira names them, else by their id."""

import pytest
from django.urls import reverse

from analytics.reports.sprints.filters import board_choices
from integrations.models import JiraBoard
from tests.analytics.factories import make_connection, make_sprint, utc


@pytest.fixture
def acme_site(acme):
    connection = make_connection(acme, "acme")
    make_sprint(connection, 101, board_id=1, start=utc(2025, 6, 2))
    make_sprint(connection, 102, board_id=2, start=utc(2025, 6, 2))
    JiraBoard.objects.create(connection=connection, jira_id=1, name="ENG board")
    JiraBoard.objects.create(connection=connection, jira_id=2, name="")  # Jira refused
    return connection


def _labels(workspace) -> dict[str, str]:
    return dict(board_choices(workspace))


def test_a_board_is_shown_by_its_name_and_an_unnamed_one_by_its_id(acme, acme_site):
    assert _labels(acme) == {f"{acme_site.pk}:1": "ENG board", f"{acme_site.pk}:2": "Board 2"}


def test_a_board_never_asked_for_is_shown_by_its_id(acme, acme_site):
    make_sprint(acme_site, 103, board_id=3)
    assert _labels(acme)[f"{acme_site.pk}:3"] == "Board 3"


def test_the_site_is_named_only_when_several_sites_have_boards(acme, acme_site):
    other = make_connection(acme, "acme-eu")
    make_sprint(other, 101, board_id=1)
    JiraBoard.objects.create(connection=other, jira_id=1, name="ENG board")
    assert _labels(acme) == {
        f"{acme_site.pk}:1": "ENG board on acme.atlassian.net",
        f"{acme_site.pk}:2": "Board 2 on acme.atlassian.net",
        f"{other.pk}:1": "ENG board on acme-eu.atlassian.net",
    }


def test_two_boards_of_one_name_are_told_apart_by_their_id(acme, acme_site):
    make_sprint(acme_site, 103, board_id=3)
    JiraBoard.objects.create(connection=acme_site, jira_id=3, name="ENG board")
    labels = _labels(acme)
    assert labels[f"{acme_site.pk}:1"] == "ENG board (board 1)"
    assert labels[f"{acme_site.pk}:3"] == "ENG board (board 3)"


def test_another_workspaces_boards_are_neither_offered_nor_named(acme, globex, acme_site):
    theirs = make_connection(globex, "globex")
    make_sprint(theirs, 101, board_id=7)
    JiraBoard.objects.create(connection=theirs, jira_id=7, name="Secret board")
    JiraBoard.objects.create(connection=theirs, jira_id=2, name="Their board 2")
    labels = _labels(acme)
    assert "Secret board" not in labels.values() and "Their board 2" not in labels.values()
    assert _labels(globex) == {f"{theirs.pk}:7": "Secret board"}


def test_the_sprints_page_offers_boards_by_name(bob_client, acme_site):
    page = bob_client.get(reverse("report_sprints")).content.decode()
    assert "ENG board" in page and "Board 2" in page
    assert "Board 2 on acme.atlassian.net" not in page


def test_the_sprint_page_names_its_board(bob_client, acme_site):
    named, unnamed = acme_site.sprints.order_by("jira_id")
    page = bob_client.get(reverse("report_sprint", args=[named.pk])).content.decode()
    assert "ENG board on acme.atlassian.net" in page
    page = bob_client.get(reverse("report_sprint", args=[unnamed.pk])).content.decode()
    assert "Board 2 on acme.atlassian.net" in page
