"""Settings → Investment and Settings → Teams, saved as a browser submits them.

Each test GETs a settings page as alice (an admin), reads a form's values from the
rendered HTML as a browser would send them, and posts them back: unchanged, nothing
stored changes; with one row changed, only that row changes.
"""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, settings

from analytics.investment.models import InvestmentRules
from analytics.investment.placement import rule_set
from analytics.investment.rules import DEFAULT_RULES, Rule
from analytics.investment.services import investment_rules_update
from tests.analytics.factories import make_connection, make_issue, make_person, utc
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
