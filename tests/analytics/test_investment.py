"""Investment categories: rules placing issues, the report's numbers worked out by hand,
the settings page, and the issue page saying which rule placed an issue."""

import csv
import io

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.investment.placement import placement, rule_set
from analytics.investment.rules import Rule, RuleSet
from analytics.investment.services import investment_rules_update
from integrations.models import Issue
from tests.analytics.factories import make_connection, make_issue, make_person, utc

pytestmark = pytest.mark.django_db

MAY_JUNE = {"start": "2025-05-01", "end": "2025-06-30"}


@pytest.fixture
def data(acme, globex):
    c = make_connection(acme, "acme", projects=("ENG", "OPS"))
    ann = make_person(acme, "Ann Archer", c)

    def issue(key, kind="Story", *, done=None, score=None, points=None, **fields):
        return make_issue(
            c, key=key, assignee=ann, issue_type=kind, created=utc(2025, 4, 1), done=done,
            score=score, story_points=points, **fields,
        )  # fmt: skip

    issue("ENG-1", "Bug", done=utc(2025, 6, 3), score=80, points=3, parent_key="ENG-30")
    issue(
        "ENG-2", done=utc(2025, 6, 5), score=60, points=5, labels=["tech-debt"], parent_key="ENG-20"
    )
    issue("ENG-3", done=utc(2025, 6, 12), score=40, parent_key="ENG-20")
    issue("ENG-4", "Task", done=utc(2025, 6, 20), score=20, points=2, labels=["ux", "Customer"])
    issue("ENG-5", "Task", done=utc(2025, 6, 23), points=1)
    issue("ENG-6", "Bug", done=utc(2025, 5, 10), score=50, points=2)
    issue("ENG-7", done=utc(2025, 5, 20), score=30, points=8)
    issue("ENG-8", "Bug", done=utc(2025, 6, 7), resolution="Won't Do", parent_key="ENG-20")
    issue("ENG-9", "Epic", done=utc(2025, 6, 1), score=90, hierarchy_level=1)
    issue("ENG-10", "Bug", started=utc(2025, 6, 25), points=3, parent_key="ENG-20")
    issue("ENG-11", started=utc(2025, 6, 26), labels=["tech-debt"])
    issue("ENG-12", "Task", started=utc(2025, 6, 27))
    epic = issue("ENG-20", "Epic", started=utc(2025, 5, 2), hierarchy_level=1)
    Issue.objects.filter(key="ENG-10").update(updated_at=utc(2025, 6, 29))
    Issue.objects.filter(pk=epic.pk).update(updated_at=utc(2025, 6, 2))
    globex_connection = make_connection(globex, "globex")
    make_issue(globex_connection, key="ENG-1", issue_type="Bug", done=utc(2025, 6, 3), score=99)
    return {"connection": c, "epic": epic}


def _placed(workspace, rules: RuleSet) -> dict[str, str]:
    rows = Issue.objects.filter(workspace=workspace).annotate(rule=placement(rules))
    return {key: rules.category_of(rule) for key, rule in rows.values_list("key", "rule")}


def test_the_default_rules_place_each_issue(data, acme):
    placed = _placed(acme, rule_set(acme))
    assert placed["ENG-1"] == "Bugs"  # type is Bug
    assert placed["ENG-2"] == "Tech debt"  # the label wins over the Story rule below it
    assert placed["ENG-3"] == "Features"  # type is Story
    assert placed["ENG-4"] == "Support"  # label "Customer": case doesn't matter
    assert placed["ENG-5"] == "Other"  # a Task without labels: no rule matches
    assert placed["ENG-20"] == "Features"  # type is Epic


def test_component_epic_project_and_non_ascii_label_rules(data, acme):
    c = data["connection"]
    make_issue(c, key="OPS-1", project="OPS", issue_type="Task", components=["Billing"])
    make_issue(c, key="OPS-2", project="OPS", issue_type="Task", labels=["deuda-técnica"])
    rules = RuleSet(
        categories=("Billing", "Roadmap", "Ops", "Debt", "Other"),
        fallback="Other",
        rules=(
            Rule("component", "billing", "Billing"),
            Rule("label", "Deuda-Técnica", "Debt") if db.vendor == "postgresql" else
            Rule("label", "deuda-técnica", "Debt"),
            Rule("epic", "eng-20", "Roadmap"),
            Rule("project", "ops", "Ops"),
        ),
    )  # fmt: skip
    placed = _placed(acme, rules)
    assert placed["OPS-1"] == "Billing"
    assert placed["OPS-2"] == "Debt"
    assert {key for key, category in placed.items() if category == "Roadmap"} == {
        "ENG-2", "ENG-3", "ENG-8", "ENG-10", "ENG-20",  # the epic and its children
    }  # fmt: skip
    assert placed["ENG-1"] == "Other"


def _report(client, **params):
    response = client.get(reverse("report_investment"), {**MAY_JUNE, **params})
    assert response.status_code == 200
    return response


def _rows(table):
    return {row.values[0]: row.values[1:] for row in table.rows}


def test_the_monthly_share_by_issues(bob_client, data):
    months = _rows(_report(bob_client).context["tables"]["months"])
    # Features, Bugs, Tech debt, Support, Other; then the month's issues. Epics and
    # the Won't Do bug are left out.
    assert months["May 2025"] == [0.5, 0.5, 0, 0, 0, 2]
    assert months["Jun 2025"] == [0.2, 0.2, 0.2, 0.2, 0.2, 5]


def test_the_monthly_share_by_total_score_and_story_points(bob_client, data):
    by_points = _rows(_report(bob_client, measure="points").context["tables"]["months"])
    assert by_points["Jun 2025"] == [0.2, 0.4, 0.3, 0.1, 0.0, 200]  # 40, 80, 60, 20, 0
    by_story = _rows(_report(bob_client, measure="story_points").context["tables"]["months"])
    assert by_story["Jun 2025"] == pytest.approx([0, 3 / 11, 5 / 11, 2 / 11, 1 / 11, 11])


def test_an_unknown_measure_shows_the_share_of_issues_and_says_so(bob_client, data):
    response = _report(bob_client, measure="velocity")
    assert response.context["filters"].measure == "issues"
    assert "Unknown measure; showing the share of issues." in response.content.decode()
    assert response.context["tables"]["months"].title.endswith("by issues")


def test_the_period_mix_and_the_work_in_progress_mix(bob_client, data):
    tables = _report(bob_client).context["tables"]
    mix = _rows(tables["mix"])
    # Issues, share; total score, share; story points, share.
    assert mix["Bugs"] == [2, pytest.approx(2 / 7), 130, pytest.approx(130 / 280), 5, 5 / 21]
    assert mix["Other"][:2] == [1, pytest.approx(1 / 7)]
    wip = _rows(tables["wip"])
    assert wip["Bugs"] == [1, pytest.approx(1 / 3), 3]
    assert wip["Tech debt"][0] == 1 and wip["Other"][0] == 1 and wip["Features"][0] == 0


def test_open_epics_show_their_childrens_progress(bob_client, data):
    epics = _report(bob_client).context["tables"]["epics"]
    assert [row.values[0] for row in epics.rows] == ["ENG-20"]  # ENG-9 is done
    values = dict(zip([c.label for c in epics.columns], epics.rows[0].values, strict=True))
    assert values["Children"] == 4  # ENG-2, 3, 8, 10
    assert values["Delivered"] == 2
    assert values["Closed, not delivered"] == 1
    assert values["Progress (%)"] == pytest.approx(0.5)
    assert (values["Story points"], values["Delivered story points"]) == (8, 5)
    assert str(values["Last activity"]) == "2025-06-29"  # ENG-10's last change
    assert epics.rows[0].url == reverse("issue_detail", args=[data["epic"].pk])


def test_a_project_filter_and_the_page(bob_client, data):
    response = _report(bob_client, project="OPS")
    assert _rows(response.context["tables"]["months"])["Jun 2025"][-1] == 0
    html = _report(bob_client).content.decode()
    assert html.count('<svg class="chart-svg') == 3
    assert "Share of delivered work per month, by issues" in html


def test_the_csv_is_the_table_on_the_page(bob_client, data):
    page = _report(bob_client, measure="points")
    response = bob_client.get(
        reverse("report_investment_export", args=["months"])
        + "?"
        + page.context["filters"].querystring
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Month", "Features (%)", "Bugs (%)", "Tech debt (%)", "Support (%)", "Other (%)",
        "Total score, all categories",
    ]  # fmt: skip
    assert rows[2] == ["Jun 2025", "20", "40", "30", "10", "0", "200"]
    assert response["Content-Disposition"] == (
        'attachment; filename="acme-investment-months-2025-05-01-2025-06-30.csv"'
    )
    assert bob_client.get(reverse("report_investment_export", args=["nope"])).status_code == 404


def test_the_report_stays_within_its_query_budget(bob_client, data):
    _report(bob_client)
    with CaptureQueriesContext(db) as queries:
        _report(bob_client)
    assert len(queries) <= 15


def test_without_a_connection_the_page_says_so(charlie_client):
    page = charlie_client.get(reverse("report_investment")).content.decode()
    assert "No Jira site connected yet" in page
    assert "Investment comes from synced Jira issues." in page


def test_the_issue_page_says_which_rule_placed_it(bob_client, data, acme):
    bug = Issue.objects.get(workspace=acme, key="ENG-1")
    html = bob_client.get(reverse("issue_detail", args=[bug.pk])).content.decode()
    assert "Rule 1 placed it: Issue type is Bug → Bugs." in html
    task = Issue.objects.get(workspace=acme, key="ENG-5")
    html = bob_client.get(reverse("issue_detail", args=[task.pk])).content.decode()
    assert "No rule matched: Other is the category of issues no rule places." in html


def test_admins_edit_categories_and_rules(alice_client, data, acme):
    url = reverse("investment_settings")
    assert alice_client.get(url).status_code == 200
    response = alice_client.post(
        url,
        {"form": "categories", "categories": "Roadmap\nFeatures\nBugs\nTech debt\nSupport\nKTLO",
         "fallback": "ktlo"},
    )  # fmt: skip
    assert response.status_code == 302
    rules = rule_set(acme)
    assert rules.categories[0] == "Roadmap" and rules.fallback == "KTLO"
    # Rules: the epic first, then the old ones, one deleted, a blank extra row ignored.
    post = {"form": "rules", "rules-TOTAL_FORMS": "8", "rules-INITIAL_FORMS": "6"}
    for n, rule in enumerate(rules.rules):
        post |= {
            f"rules-{n}-field": rule.field,
            f"rules-{n}-value": rule.value,
            f"rules-{n}-category": rule.category,
            f"rules-{n}-ORDER": str(n + 2),
        }
    post |= {"rules-5-DELETE": "on"}  # "Issue type is Epic → Features"
    post |= {"rules-6-field": "epic", "rules-6-value": "ENG-20", "rules-6-category": "Roadmap",
             "rules-6-ORDER": "1"}  # fmt: skip
    response = alice_client.post(url, post)
    assert response.status_code == 302, response.content.decode()
    rules = rule_set(acme)
    assert [rule.describe() for rule in rules.rules[:2]] == [
        "Is in the epic ENG-20 → Roadmap",
        "Issue type is Bug → Bugs",
    ]
    assert len(rules.rules) == 6
    placed = _placed(acme, rules)
    assert placed["ENG-2"] == "Roadmap" and placed["ENG-5"] == "KTLO"


def test_a_category_still_used_by_a_rule_cannot_be_removed(alice_client, data, acme):
    response = alice_client.post(
        reverse("investment_settings"),
        {"form": "categories", "categories": "Features\nTech debt\nSupport\nOther",
         "fallback": "Other"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "places issues in “Bugs”, which is not a category" in response.content.decode()
    assert rule_set(acme) == RuleSet()  # still the defaults, nothing stored


def test_a_rule_needs_a_value_and_a_category(alice_client, data, acme):
    investment_rules_update(workspace=acme, rules=[Rule("type", "Bug", "Bugs")])
    response = alice_client.post(
        reverse("investment_settings"),
        {"form": "rules", "rules-TOTAL_FORMS": "1", "rules-INITIAL_FORMS": "1",
         "rules-0-field": "label", "rules-0-value": "", "rules-0-category": "Bugs"},
    )  # fmt: skip
    assert response.status_code == 400
    assert [r.describe() for r in rule_set(acme).rules] == ["Issue type is Bug → Bugs"]


def test_members_cannot_open_the_settings(bob_client, data):
    assert bob_client.get(reverse("investment_settings")).status_code == 403
