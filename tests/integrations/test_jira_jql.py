"""The JQL the app sends: ordinary keys bare, reserved words and odd keys quoted."""

from datetime import UTC, datetime

import pytest

from integrations.jira import jql
from jira_simulator.jql import parse


def _parsed(text):
    return parse(text, tz_name="UTC", now_ms=0, require_bound=False)


def test_ordinary_project_keys_stay_bare():
    assert jql.projects_in(["KAN", "ENG", "PLAT_2"]) == "project in (KAN, ENG, PLAT_2)"


@pytest.mark.parametrize("key", ["BY", "IF", "IN", "OR", "AND", "ORDER", "EMPTY", "NULL"])
def test_a_key_that_is_a_reserved_word_is_quoted(key):
    clause = jql.projects_in(["KAN", key])
    assert clause == f'project in (KAN, "{key}")'
    assert _parsed(clause).projects == [["KAN", key]]


def test_a_value_jira_would_misread_is_quoted_and_escaped():
    assert jql.quote("A-1") == '"A-1"'
    assert jql.quote('say "hi"') == r'"say \"hi\""'
    assert jql.quote("back\\slash") == r'"back\\slash"'
    assert _parsed(jql.projects_in(['X"Y\\Z'])).projects == [['X"Y\\Z']]


def test_ids_are_numbers_only():
    assert jql.ids_in([10001, "10002"]) == "id in (10001, 10002)"
    with pytest.raises(ValueError):
        jql.ids_in(["10001) OR (project = X"])


def test_an_empty_list_is_refused_rather_than_sent():
    with pytest.raises(ValueError):
        jql.projects_in([])
    with pytest.raises(ValueError):
        jql.ids_in([])


def test_updated_since_is_an_absolute_instant_in_epoch_milliseconds():
    moment = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    assert jql.updated_since(moment) == f"updated >= {int(moment.timestamp()) * 1000}"


def test_clauses_are_joined_and_put_in_a_stable_order():
    clause = jql.all_of(jql.projects_in(["KAN"]), "", jql.ids_in([7]))
    assert clause == "project in (KAN) AND id in (7)"
    text = jql.in_stable_order(clause)
    assert text == "project in (KAN) AND id in (7) ORDER BY created ASC, key ASC"
    assert _parsed(text).order == [("created", True), ("key", True)]
    assert jql.in_stable_order("") == "ORDER BY created ASC, key ASC"
