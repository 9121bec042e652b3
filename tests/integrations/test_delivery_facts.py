"""A full sync of simulated real-world sites exports the delivery facts the simulator recorded.

The simulator sends what real sites send (fact sheet section 10): a workflow migration that
moved done issues between done statuses months later, statuses deleted from the status list,
reopened issues, Won't Do and Duplicate resolutions, both story-point fields, integrations
commenting and transitioning, PR links in comments, two dev-status instance types.
"""

import csv
import io
import json
from datetime import datetime

import pytest
from django.core.management import call_command

from analytics.facts import facts_for_issues
from integrations.models import Comment, Issue, JiraConnection, PullRequest, SyncRun
from integrations.sync.finish import FACTS_VERSION
from integrations.sync.run import sync_connection
from jira_simulator import DEMO_EMAIL, JiraSimulator
from tests.simulated import demo_connection, serving

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def simulator(settings):
    # The demo's seed and projects (make run), with fewer issues to stay quick.
    with serving(JiraSimulator(seed=1, issues=800), settings) as running:
        yield running.simulator


def _export(connection) -> dict[str, dict]:
    out = io.StringIO()
    call_command(
        "export_issues", "--connection", str(connection.pk), "--format", "jsonl", stdout=out
    )
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    return {str(row["jira_id"]): row for row in rows}


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _compare(exported: dict, truth: dict) -> None:
    assert set(exported) == set(truth)
    mismatches = []
    for jira_id, expected in truth.items():
        row = exported[jira_id]
        got = {
            "completed": _instant(row["completed"]),
            "delivered": row["delivered"] == "true",
            "resolution": row["resolution"] or None,
            "story_points": None if row["story_points"] == "" else float(row["story_points"]),
            "linked_prs": row["linked_prs"],
        }
        want = {
            "completed": _instant(expected["completed"]),
            "delivered": expected["delivered"],
            "resolution": expected["resolution"],
            "story_points": expected["story_points"],
            "linked_prs": len(expected["linked_pr_urls"]),
        }
        if got != want:
            diff = {name: (got[name], want[name]) for name in got if got[name] != want[name]}
            mismatches.append((row["key"], diff))
    assert not mismatches, mismatches[:5]


def test_a_full_sync_exports_the_simulators_delivery_facts(simulator, acme):
    connection = demo_connection(acme)
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.SUCCEEDED, (run.error, run.warnings)
    truth = simulator.site("acme").truth(DEMO_EMAIL)
    _compare(_export(connection), truth)
    # The data really has the shapes that broke the facts before.
    site = simulator.site("acme")
    histories = [h for i in site.live_indexes() for h in site.core(i).histories]
    status_moves = [i for h in histories for i in h.items if i.get("fieldId") == "status"]
    assert any(m["from"] == "5" and m["to"] == "10003" for m in status_moves)  # Resolved -> Done
    assert any(m["from"] == "6" for m in status_moves)  # Closed -> Done
    assert any(t["resolution"] == "Won't Do" for t in truth.values())
    assert any(not t["delivered"] and t["completed"] for t in truth.values())
    assert any(set(t["linked_pr_urls"]) - set(t["pr_urls"]) for t in truth.values())
    by_project = {t["project"]: t["story_points"] for t in truth.values() if t["story_points"]}
    assert len(by_project) == 3  # every project has estimates, in either field


def test_done_to_done_migration_moves_do_not_re_date_completion(simulator, acme):
    connection = demo_connection(acme)
    sync_connection(connection)
    site = simulator.site("acme")
    migrated = [
        i
        for i in site.live_indexes()
        if any(
            item.get("fieldId") == "status" and item["from"] in ("5", "6")
            for history in site.core(i).histories
            for item in history.items
        )
    ]
    assert migrated
    for idx in migrated:
        issue = Issue.objects.get(connection=connection, jira_id=int(site.issue_id(idx)))
        core = site.core(idx)
        assert int(issue.done_at.timestamp() * 1000) == core.completed_ms
        moves = [i for h in core.histories for i in h.items if i.get("fieldId") == "status"]
        if moves[-1]["from"] in ("5", "6"):  # still where the migration put it
            assert int(issue.done_at.timestamp() * 1000) < site.migration_ms


def test_integrations_get_no_credit_and_their_comments_are_not_interactions(simulator, acme):
    connection = demo_connection(acme)
    sync_connection(connection)
    bots = Comment.objects.filter(issue__connection=connection, author__account_type="app")
    assert bots.exists()
    assert not Issue.objects.filter(
        connection=connection, completed_by__account_type="app"
    ).exists()
    issue = bots.first().issue
    facts = facts_for_issues([issue.pk])[issue.pk]
    bot_ids = {str(c.author_id) for c in bots.filter(issue=issue)}
    assert not bot_ids & set(facts.comment_author_ids)


def test_prs_posted_only_in_comments_are_linked_with_their_source(simulator, acme):
    connection = demo_connection(acme)
    sync_connection(connection)
    truth = simulator.site("acme").truth(DEMO_EMAIL)
    only_in_comments = {
        url for t in truth.values() for url in set(t["linked_pr_urls"]) - set(t["pr_urls"])
    }
    stored = PullRequest.objects.filter(issue__connection=connection, url__in=only_in_comments)
    assert set(stored.values_list("url", flat=True)) == only_in_comments
    assert set(stored.values_list("source", flat=True)) == {"comment"}


def test_a_site_with_deleted_custom_statuses_warns_and_still_dates_completion(simulator, acme):
    connection = demo_connection(acme, "legacy-corp")
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.PARTIAL
    assert any("Ready for Dev (10101)" in warning for warning in run.warnings), run.warnings
    assert len(run.warnings) == 1
    _compare(_export(connection), simulator.site("legacy-corp").truth(DEMO_EMAIL))


def test_export_csv_has_the_delivery_columns(simulator, acme):
    connection = demo_connection(acme)
    sync_connection(connection)
    out = io.StringIO()
    call_command("export_issues", "--connection", str(connection.pk), stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    for column in (
        "resolution",
        "delivered",
        "started",
        "completed",
        "cycle_time_hours",
        "lead_time_hours",
        "story_points",
        "completed_by_account_id",
        "linked_prs",
    ):
        assert column in rows[0]
    delivered = [r for r in rows if r["delivered"] == "true"]
    assert delivered and all(r["completed"] and r["lead_time_hours"] for r in delivered)
    closed = [r for r in rows if r["completed"] and r["delivered"] == "false"]
    assert closed and all(r["lead_time_hours"] == "" for r in closed)
    assert all(r["completed"].endswith("+00:00") for r in delivered)


def test_issues_stored_with_older_facts_are_recomputed_by_the_next_sync(simulator, acme):
    """An upgrade raises FACTS_VERSION: the next sync is a full one and rewrites every issue."""
    connection = demo_connection(acme)
    sync_connection(connection)
    truth = simulator.site("acme").truth(DEMO_EMAIL)
    # As stored by an older release: re-dated completion, no credit, everything delivered.
    Issue.objects.filter(connection=connection).update(
        done_at=None, completed_by=None, delivered=True
    )
    JiraConnection.objects.filter(pk=connection.pk).update(facts_version=0)
    run = sync_connection(connection)
    assert run.kind == SyncRun.Kind.FULL
    assert run.issues_updated == len(truth)
    connection.refresh_from_db()
    assert connection.facts_version == FACTS_VERSION
    _compare(_export(connection), truth)
    assert Issue.objects.filter(connection=connection, completed_by__isnull=False).exists()
    # Once current, syncs are incremental again.
    assert sync_connection(connection).kind == SyncRun.Kind.INCREMENTAL
