"""Settings → Investment and Settings → Teams, saved as a browser submits them.

Each test GETs a settings page as alice (an admin), reads a form's values from the
rendered HTML as a browser would send them, and posts them back: unchanged, nothing
stored changes; with one row changed, only that row changes.
"""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.investment.models import InvestmentRules
from analytics.investment.placement import rule_set
from analytics.investment.rules import (
    CATEGORY_LIMIT,
    DEFAULT_RULES,
    FIELDS,
    NAME_LIMIT,
    Rule,
    RuleSet,
)
from analytics.investment.services import investment_rules_update
from analytics.models import Team, TeamMember
from tests.analytics.factories import make_connection, make_issue, make_person, make_team, utc
from tests.rows import stored_rows
from tests.submitted_forms import form_data

pytestmark = pytest.mark.django_db

INVESTMENT = "investment_settings"
MAY_JUNE = {"start": "2025-05-01", "end": "2025-06-30"}
# Hypothesis runs many examples in one test's transaction; each example resets what it uses.
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def delivered(acme):
    """Delivered issues that every default rule places (and some no rule places)."""
    c = make_connection(acme, "acme", projects=("ENG",))
    ann = make_person(acme, "Ann Archer", c)
    kinds = [
        ("Bug", []), ("Bug", []), ("Story", ["tech-debt"]), ("Task", ["support"]),
        ("Task", ["Customer"]), ("Story", []), ("Epic", []), ("Task", []), ("Task", ["ux"]),
    ]  # fmt: skip
    for n, (kind, labels) in enumerate(kinds, start=1):
        make_issue(
            c, key=f"ENG-{n}", assignee=ann, issue_type=kind, labels=labels,
            created=utc(2025, 4, 1), done=utc(2025, 6, n), score=10 * n,
        )  # fmt: skip
    return c


def _investment_shares(client) -> dict:
    response = client.get(reverse("report_investment"), MAY_JUNE)
    assert response.status_code == 200
    tables = response.context["tables"]
    return {name: [row.values for row in tables[name].rows] for name in ("months", "mix", "wip")}


def _page(client, name=INVESTMENT, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def _save(client, data, name=INVESTMENT, *args):
    response = client.post(reverse(name, args=args), data)
    assert response.status_code == 302, response.content.decode()
    return response


def _investment_row(workspace) -> list[dict]:
    return stored_rows(InvestmentRules.objects.filter(workspace=workspace))


# Settings → Investment: the rules.


def test_saving_the_default_rules_unchanged_keeps_all_six(alice_client, acme, delivered):
    before = _investment_shares(alice_client)
    _save(alice_client, form_data(_page(alice_client), button="Save rules"))
    assert rule_set(acme).rules == DEFAULT_RULES
    assert _investment_shares(alice_client) == before
    # Nothing was stored: the workspace still follows the defaults.
    assert _investment_row(acme) == []


def test_adding_a_rule_keeps_the_other_six(alice_client, acme, delivered):
    data = form_data(_page(alice_client), button="Save rules")
    assert data["rules-TOTAL_FORMS"] == ["8"]  # six rules and two blank rows
    data |= {"rules-6-field": ["component"], "rules-6-value": ["Billing"],
             "rules-6-category": ["Support"], "rules-6-ORDER": ["7"]}  # fmt: skip
    _save(alice_client, data)
    assert rule_set(acme).rules == (*DEFAULT_RULES, Rule("component", "Billing", "Support"))


def test_saving_stored_rules_unchanged_changes_nothing(alice_client, acme, delivered):
    investment_rules_update(
        workspace=acme, rules=[*DEFAULT_RULES[:3], Rule("epic", "ENG-1", "Bugs")]
    )
    before, shares = _investment_row(acme), _investment_shares(alice_client)
    _save(alice_client, form_data(_page(alice_client), button="Save rules"))
    assert _investment_row(acme) == before
    assert _investment_shares(alice_client) == shares


def test_changing_one_rule_changes_only_that_rule(alice_client, acme, delivered):
    data = form_data(_page(alice_client), button="Save rules")
    data["rules-2-category"] = ["Tech debt"]  # label support → Tech debt
    _save(alice_client, data)
    expected = list(DEFAULT_RULES)
    expected[2] = Rule("label", "support", "Tech debt")
    assert rule_set(acme).rules == tuple(expected)


def test_deleting_one_rule_deletes_only_that_rule(alice_client, acme, delivered):
    data = form_data(_page(alice_client), button="Save rules")
    data["rules-4-DELETE"] = ["on"]
    _save(alice_client, data)
    assert rule_set(acme).rules == DEFAULT_RULES[:4] + DEFAULT_RULES[5:]


def test_moving_one_rule_moves_only_that_rule(alice_client, acme, delivered):
    data = form_data(_page(alice_client), button="Save rules")
    data["rules-5-ORDER"] = ["0"]  # "Issue type is Epic" first
    _save(alice_client, data)
    assert rule_set(acme).rules == (DEFAULT_RULES[5], *DEFAULT_RULES[:5])


# What an admin can type and a browser sends back as typed: no control characters, no
# surrogates; the forms trim and collapse whitespace, so stored names are already so.
TYPED = st.characters(blacklist_categories=("Cs", "Cc"))
VALUES = st.text(TYPED, min_size=1, max_size=30).map(str.strip).filter(bool)
NAMES = (
    st.text(TYPED, min_size=1, max_size=NAME_LIMIT).map(lambda name: " ".join(name.split()))
).filter(bool)


@st.composite
def rule_sets(draw) -> RuleSet:
    names = draw(st.lists(NAMES, min_size=1, max_size=CATEGORY_LIMIT, unique_by=str.casefold))
    rule = st.builds(Rule, st.sampled_from(list(FIELDS)), VALUES, st.sampled_from(names))
    rules = draw(st.lists(rule, max_size=8))
    return RuleSet(tuple(names), draw(st.sampled_from(names)), tuple(rules))


def _store(workspace, rules: RuleSet):
    InvestmentRules.objects.update_or_create(
        workspace=workspace,
        defaults={
            "categories": list(rules.categories),
            "fallback": rules.fallback,
            "rules": [rule.as_dict() for rule in rules.rules],
        },
    )


@EXAMPLES
@given(rules=rule_sets())
def test_any_categories_and_rules_survive_saving_unchanged(alice_client, acme, rules):
    _store(acme, rules)
    before = _investment_row(acme)
    for button in ("Save categories", "Save rules"):
        _save(alice_client, form_data(_page(alice_client), button=button))
        assert _investment_row(acme) == before, button
    assert rule_set(acme) == rules


@EXAMPLES
@given(rules=rule_sets(), data=st.data())
def test_changing_one_rule_of_any_list_changes_only_it(alice_client, acme, rules, data):
    if not rules.rules:
        rules = RuleSet(rules.categories, rules.fallback, (Rule("type", "Bug", rules.fallback),))
    _store(acme, rules)
    number = data.draw(st.integers(0, len(rules.rules) - 1))
    value = data.draw(VALUES)
    form = form_data(_page(alice_client), button="Save rules")
    form[f"rules-{number}-value"] = [value]
    _save(alice_client, form)
    expected = list(rules.rules)
    expected[number] = Rule(expected[number].field, value, expected[number].category)
    assert rule_set(acme) == RuleSet(rules.categories, rules.fallback, tuple(expected))


# Settings → Investment: the categories.


def test_saving_the_default_categories_unchanged_stores_nothing(alice_client, acme, delivered):
    before = _investment_shares(alice_client)
    _save(alice_client, form_data(_page(alice_client), button="Save categories"))
    assert _investment_row(acme) == []
    assert _investment_shares(alice_client) == before


def test_adding_one_category_changes_only_the_categories(alice_client, acme, delivered):
    data = form_data(_page(alice_client), button="Save categories")
    assert data["categories"] == ["Features\r\nBugs\r\nTech debt\r\nSupport\r\nOther"]
    data["categories"] = [data["categories"][0] + "\r\nKTLO"]
    _save(alice_client, data)
    assert rule_set(acme) == RuleSet(categories=(*RuleSet().categories, "KTLO"))


# Settings → Teams.


@pytest.fixture
def people(acme):
    connection = make_connection(acme, "acme")
    names = ("Ann Archer", "Ben Baker", "Cleo <Chen> & Co", "Dev Dutta")
    return [make_person(acme, name, connection) for name in names]


def _teams(workspace) -> tuple[list[dict], list[dict]]:
    return (
        stored_rows(Team.objects.filter(workspace=workspace)),
        stored_rows(TeamMember.objects.filter(team__workspace=workspace)),
    )


def _submit(client, page, button, *args, name):
    """Post the form as rendered; the status code says whether the page took it."""
    return client.post(reverse(name, args=args), form_data(page, button=button)).status_code


@EXAMPLES
@given(name=NAMES, data=st.data())
def test_a_team_saved_unchanged_keeps_its_name_and_people(alice_client, acme, people, name, data):
    Team.objects.filter(workspace=acme).delete()
    members = data.draw(st.lists(st.sampled_from(people), unique=True))
    team = make_team(acme, name, members)
    make_team(acme, f"{name} too", people[:1])
    before = _teams(acme)
    page = _page(alice_client, "team_edit", team.pk)
    assert _submit(alice_client, page, "Rename", team.pk, name="team_edit") == 302
    assert _teams(acme) == before
    if len(members) < len(people):  # the Add form lists the others, none ticked
        assert _submit(alice_client, page, "Add to team", team.pk, name="team_members_add") == 200
        assert _teams(acme) == before


def test_adding_one_person_adds_only_that_membership(alice_client, acme, people):
    team = make_team(acme, "Platform", people[:2])
    teams, memberships = _teams(acme)
    data = form_data(_page(alice_client, "team_edit", team.pk), button="Add to team")
    data["people"] = [str(people[3].pk)]
    _save(alice_client, data, "team_members_add", team.pk)
    after_teams, after_memberships = _teams(acme)
    assert after_teams == teams
    assert after_memberships[:2] == memberships
    assert [row["person_id"] for row in after_memberships[2:]] == [people[3].pk]


def test_renaming_a_team_changes_only_its_name(alice_client, acme, people):
    team = make_team(acme, "Platform", people[:2])
    make_team(acme, "Mobile", people[2:])
    teams, memberships = _teams(acme)
    data = form_data(_page(alice_client, "team_edit", team.pk), button="Rename")
    data["name"] = ["Platform & Infra"]
    _save(alice_client, data, "team_edit", team.pk)
    expected = [
        row | {"name": "Platform & Infra"} if row["id"] == team.pk else row for row in teams
    ]
    assert _teams(acme) == (expected, memberships)


def test_creating_a_team_from_the_blank_form_creates_nothing(alice_client, acme, people):
    make_team(acme, "Platform", people)
    before = _teams(acme)
    page = _page(alice_client, "teams")
    assert _submit(alice_client, page, "Create team", name="teams") == 200
    assert _teams(acme) == before
