"""Sprints and sprint memberships synced over real HTTP from the simulator, against its truth."""

import csv
import io
from collections import Counter
from datetime import datetime

import pytest
from django.core.management import call_command

from integrations.jira.sprints import SprintInfo
from integrations.models import Sprint, SprintMembership
from integrations.sync.run import sync_connection
from integrations.sync.sprint_rows import save_sprints
from jira_simulator import DEMO_EMAIL, JiraSimulator
from tests.simulated import demo_connection, serving

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def simulator(settings):
    sim = JiraSimulator(seed=7, issues=400, projects=("KAN", "ENG", "PLAT"))
    with serving(sim, settings):
        yield sim


@pytest.fixture
def connection(acme):
    return demo_connection(acme)


def _when(text):
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def _stored_stays(connection) -> dict[str, list]:
    stays: dict[str, list] = {}
    rows = SprintMembership.objects.filter(issue__connection=connection).values_list(
        "issue__jira_id", "sprint__jira_id", "joined_at", "left_at"
    )
    for jira_id, sprint_id, joined, left in rows.order_by("joined_at", "sprint__jira_id"):
        stays.setdefault(str(jira_id), []).append([sprint_id, joined, left])
    return stays


def assert_sprints_match_truth(connection, site):
    truth = site.truth(DEMO_EMAIL)
    expected = {
        jira_id: sorted([s, _when(j), _when(left)] for s, j, left in issue["sprint_stays"])
        for jira_id, issue in truth.items()
        if issue["sprint_stays"]
    }
    stored = {jira_id: sorted(stays) for jira_id, stays in _stored_stays(connection).items()}
    assert stored == expected
    sprints = {
        s.jira_id: s
        for s in Sprint.objects.filter(connection=connection, workspace=connection.workspace)
    }
    used = {stay[0] for stays in expected.values() for stay in stays}
    for sprint_id, shown in site.sprint_truth().items():
        if sprint_id not in used:
            continue
        sprint = sprints[sprint_id]
        assert sprint.name == shown["name"]
        assert sprint.state == shown["state"]
        assert sprint.board_id == shown["boardId"]
        assert sprint.start_at == _when(shown.get("startDate"))
        assert sprint.completed_at == _when(shown.get("completeDate"))


def test_a_full_sync_stores_every_sprint_and_every_stay(simulator, connection):
    site = simulator.site("acme")
    run = sync_connection(connection)
    assert run.status == "succeeded", run.error or run.warnings
    connection.refresh_from_db()
    assert connection.sprint_field == "customfield_10020"
    assert_sprints_match_truth(connection, site)
    # The site has what a team's board shows: closed sprints, an active one, a planned one,
    # issues carried over, issues taken out mid-sprint, issues added at creation.
    states = set(Sprint.objects.filter(connection=connection).values_list("state", flat=True))
    assert states == {"closed", "active", "future"}
    stays = SprintMembership.objects.filter(issue__connection=connection)
    assert stays.filter(left_at__isnull=False).exists()  # taken out of a sprint
    in_now = Counter(stays.filter(left_at=None).values_list("issue_id", flat=True))
    assert max(in_now.values()) > 1  # carried over: closed sprints stay in the field


def test_a_sprint_closed_with_all_its_work_done_is_seen_by_the_next_incremental_sync(
    simulator, connection
):
    site = simulator.site("acme")
    sync_connection(connection)
    active = next(s for s in site.sprints.values() if s.state == "active")
    # Finish the active sprint's open work, then close it: closing changes no issue.
    members = [i for i, issue in site.truth().items() if active.id in issue["sprint_ids"]]
    assert members
    for jira_id in members:
        site.update_issue(jira_id, status="Done")
    changed = site.complete_sprint(active.id)
    assert changed == []
    run = sync_connection(connection)
    assert run.kind == "incremental"
    sprint = Sprint.objects.get(connection=connection, jira_id=active.id)
    assert sprint.state == "closed"
    assert sprint.completed_at == _when(site.sprint_truth()[active.id]["completeDate"])
    assert_sprints_match_truth(connection, site)


def test_unfinished_work_moved_to_the_next_sprint_keeps_the_closed_one(simulator, connection):
    site = simulator.site("acme")
    sync_connection(connection)
    active = next(s for s in site.sprints.values() if s.state == "active")
    planned = next(
        s for s in site.sprints.values() if s.state == "future" and s.board_id == active.board_id
    )
    moved = site.complete_sprint(active.id, move_to=planned.id)
    site.start_sprint(planned.id)
    assert moved
    sync_connection(connection)
    for jira_id in moved:
        stays = _stored_stays(connection)[jira_id]
        assert [active.id, None] in [[s, left] for s, _joined, left in stays]
        assert [planned.id, None] in [[s, left] for s, _joined, left in stays]
    assert Sprint.objects.get(connection=connection, jira_id=planned.id).state == "active"
    assert_sprints_match_truth(connection, site)


def test_an_issue_created_into_a_sprint_is_in_it_from_its_creation(simulator, connection):
    site = simulator.site("acme")
    sync_connection(connection)
    active = next(s for s in site.sprints.values() if s.state == "active")
    project = site.projects[active.project_index].key
    new_id = site.create_issue(project, issue_type="Story", sprints=[active.id])
    truth = site.truth()[new_id]
    assert truth["history_count"] == 0
    sync_connection(connection)
    assert _stored_stays(connection)[new_id] == [[active.id, _when(truth["created"]), None]]


def _default_category(issue: dict) -> str:
    """The default rules, spelled out as an oracle: first match wins."""
    labels = {label.casefold() for label in issue["labels"]}
    if issue["issuetype"] == "Bug":
        return "Bugs"
    if "tech-debt" in labels:
        return "Tech debt"
    if labels & {"support", "customer"}:
        return "Support"
    if issue["issuetype"] in ("Story", "Epic"):
        return "Features"
    return "Other"


def test_export_issues_lists_each_issues_sprints_and_investment_category(simulator, connection):
    site = simulator.site("acme")
    sync_connection(connection)
    out = io.StringIO()
    call_command("export_issues", "--connection", str(connection.pk), stdout=out)
    rows = {row["jira_id"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    truth = site.truth(DEMO_EMAIL)
    assert set(rows) == set(truth)
    for jira_id, issue in truth.items():
        joined = sorted(issue["sprint_stays"], key=lambda stay: (stay[1], stay[0]))
        expected = list(dict.fromkeys(stay[0] for stay in joined))
        assert rows[jira_id]["sprints"] == ";".join(map(str, expected)), jira_id
        assert rows[jira_id]["investment"] == _default_category(issue), jira_id
    assert any(";" in row["sprints"] for row in rows.values())
    assert {row["investment"] for row in rows.values()} == {
        "Features", "Bugs", "Tech debt", "Support", "Other",
    }  # fmt: skip


def test_a_page_read_without_the_sprint_field_keeps_the_stored_stays(connection):
    from integrations.jira.workflow import StatusCatalog
    from integrations.sync.finish import Workflow, finish
    from integrations.sync.mapping import map_issue
    from integrations.sync.writer import write_page

    field = "customfield_10020"
    raw = {
        "id": "10001",
        "key": "ENG-1",
        "fields": {
            "summary": "Checkout retries",
            "status": {"name": "To Do", "statusCategory": {"key": "new"}},
            "created": "2026-03-01T08:00:00.000+0000",
            "updated": "2026-03-02T08:00:00.000+0000",
            field: [{"id": 12, "name": "ENG Sprint 4", "state": "active", "boardId": 3}],
        },
    }
    rules = Workflow(catalog=StatusCatalog(), sprint_field=field)
    for fields_read in (
        raw,
        {**raw, "fields": {k: v for k, v in raw["fields"].items() if k != field}},
    ):
        record = map_issue(fields_read, sprint_field=field)
        finish(record, rules)
        write_page(connection, [record], known={})
        stays = SprintMembership.objects.filter(issue__connection=connection)
        assert list(stays.values_list("sprint__jira_id", "left_at")) == [(12, None)]


def test_a_sighting_rewrites_a_sprint_only_when_it_says_something_new(connection):
    active = SprintInfo(id=5, name="Sprint 5", state="active", board_id=1, goal="Ship")
    pks = save_sprints(connection, [active], also={6})
    first = Sprint.objects.get(jira_id=5)
    assert pks == {5: first.pk, 6: Sprint.objects.get(jira_id=6).pk}

    assert save_sprints(connection, [active]) == {5: first.pk}
    assert Sprint.objects.get(jira_id=5).synced_at == first.synced_at  # not written again

    save_sprints(connection, [SprintInfo(id=5, name="Sprint 5", state="closed", goal="Shipped")])
    closed = Sprint.objects.get(jira_id=5)
    assert (closed.state, closed.goal, closed.board_id) == ("closed", "Shipped", None)

    save_sprints(connection, [active])  # an older sighting never reopens it
    assert Sprint.objects.get(jira_id=5).state == "closed"
