"""The sync over real HTTP against the built-in Jira simulator, compared with its truth."""

import threading
import time

import pytest
from django.utils import timezone

from integrations.models import (
    Comment,
    Issue,
    JiraConnection,
    PullRequest,
    StatusTransition,
    SyncRun,
)
from integrations.sync import claims
from integrations.sync.run import sync_connection
from jira_simulator import (
    DEMO_EMAIL,
    ESTIMATE_FIELD,
    STORY_POINTS_FIELD,
    JiraSimulator,
)
from tests.simulated import demo_connection, serving

pytestmark = pytest.mark.django_db(transaction=True)

ISSUES = 300


@pytest.fixture
def simulator(settings):
    sim = JiraSimulator(seed=7, issues=ISSUES, projects=("KAN", "ENG", "PLAT"))
    with serving(sim, settings):
        yield sim


@pytest.fixture
def connection(acme):
    return demo_connection(acme, project_keys="")


def _stored(connection):
    return {
        str(i["jira_id"]): i
        for i in Issue.objects.filter(connection=connection, removed_at__isnull=True).values(
            "jira_id",
            "key",
            "project_key",
            "summary",
            "status",
            "status_category",
            "comment_count",
            "updated_at",
        )
    }


def assert_matches_truth(connection, site):
    truth = site.truth(DEMO_EMAIL)
    stored = _stored(connection)
    assert set(stored) == set(truth), "lost or extra issues"
    for jira_id, expected in truth.items():
        row = stored[jira_id]
        assert row["key"] == expected["key"], jira_id
        assert row["project_key"] == expected["project"]
        assert row["summary"] == expected["summary"]
        assert row["status"] == expected["status"]
        assert row["comment_count"] == expected["comment_count"]
        assert int(row["updated_at"].timestamp() * 1000) == expected["updated_ms"]
    # No duplicates: one row per Jira id (the constraint guarantees it; count it anyway).
    assert Issue.objects.filter(connection=connection).count() == len(
        set(Issue.objects.filter(connection=connection).values_list("jira_id", flat=True))
    )


def test_full_sync_stores_exactly_the_simulators_issues(simulator, connection):
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.SUCCEEDED, (run.error, run.warnings)
    site = simulator.site("acme")
    assert_matches_truth(connection, site)
    truth = site.truth(DEMO_EMAIL)
    # Truncated inline comments were completed from the comments endpoint.
    assert Comment.objects.filter(issue__connection=connection).count() == sum(
        t["comment_count"] for t in truth.values()
    )
    # Every status change of the changelog, including truncated ones.
    assert StatusTransition.objects.filter(issue__connection=connection).count() == sum(
        t["status_transitions"] for t in truth.values()
    )
    # Pull requests from dev-status match the simulator's.
    stored_prs = set(
        PullRequest.objects.filter(issue__connection=connection, source="dev_status").values_list(
            "url", flat=True
        )
    )
    assert stored_prs == {url for t in truth.values() for url in t["pr_urls"]}
    connection.refresh_from_db()
    assert connection.sync_watermark == run.started_at
    # Both estimation fields, Jira Software's first (found by its schema).
    assert [f["id"] for f in connection.estimation_fields] == [
        ESTIMATE_FIELD[0],
        STORY_POINTS_FIELD[0],
    ]


def test_an_unchanged_incremental_sync_makes_a_handful_of_requests(simulator, connection):
    sync_connection(connection)
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.kind == SyncRun.Kind.INCREMENTAL
    assert run.requests_made <= 8
    assert run.issues_created == 0 and run.issues_updated == 0


def test_incremental_picks_up_changes_under_a_non_utc_user_time_zone(simulator, connection):
    site = simulator.site("acme")
    sync_connection(connection)
    connection.refresh_from_db()
    assert connection.jira_time_zone == "America/Los_Angeles"
    some = sorted(site.truth(DEMO_EMAIL))[:3]
    site.update_issue(some[0], summary="Renamed after the first sync")
    site.add_comment(some[1])
    new_id = site.create_issue("ENG", summary="Created after the first sync")
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.issues_created == 1 and run.issues_updated == 2
    assert (
        Issue.objects.get(connection=connection, jira_id=int(some[0])).summary
        == "Renamed after the first sync"
    )
    assert Issue.objects.filter(connection=connection, jira_id=int(new_id)).exists()
    assert_matches_truth(connection, site)
    # The changed issues' comments were replaced, not added to.
    truth = site.truth(DEMO_EMAIL)
    assert Comment.objects.filter(issue__connection=connection).count() == sum(
        t["comment_count"] for t in truth.values()
    )


def test_a_moved_issue_stays_one_row_with_its_new_key(simulator, connection):
    site = simulator.site("acme")
    sync_connection(connection)
    jira_id = next(i for i, t in sorted(site.truth(DEMO_EMAIL).items()) if t["project"] == "KAN")
    new_key = site.move_issue(jira_id, "PLAT")
    sync_connection(connection)
    rows = Issue.objects.filter(connection=connection, jira_id=int(jira_id))
    assert rows.count() == 1
    assert rows.get().key == new_key and rows.get().project_key == "PLAT"


def test_the_census_removes_deleted_issues_from_reports(simulator, connection):
    site = simulator.site("acme")
    sync_connection(connection)
    jira_id = sorted(site.truth(DEMO_EMAIL))[5]
    site.delete_issue(jira_id)
    JiraConnection.objects.filter(pk=connection.pk).update(last_census_at=None)  # census due
    connection.refresh_from_db()
    run = sync_connection(connection)
    assert run.issues_removed >= 1
    assert Issue.objects.get(connection=connection, jira_id=int(jira_id)).removed_at is not None
    assert_matches_truth(connection, site)


def test_an_interrupted_sync_resumes_without_loss_or_duplicates(simulator, connection, monkeypatch):
    from integrations.sync import run as run_module

    original = run_module.IssueSync.store_page
    pages = {"n": 0}

    def crash_after_two_pages(self, *args):
        if pages["n"] == 2:
            raise KeyboardInterrupt  # like a worker stopped mid-run
        pages["n"] += 1
        return original(self, *args)

    monkeypatch.setattr(run_module.IssueSync, "store_page", crash_after_two_pages)
    with pytest.raises(KeyboardInterrupt):
        sync_connection(connection)
    assert 0 < Issue.objects.filter(connection=connection).count() < ISSUES
    # The interrupted run still holds the claim until its heartbeat goes stale.
    stale = timezone.now() - claims.STALE_AFTER * 2
    SyncRun.objects.filter(status="running").update(heartbeat_at=stale)
    monkeypatch.setattr(run_module.IssueSync, "store_page", original)
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert (
        SyncRun.objects.filter(
            status=SyncRun.Status.FAILED, error__contains="stopped without finishing"
        ).count()
        == 1
    )
    assert_matches_truth(connection, simulator.site("acme"))


def test_concurrent_triggers_give_one_run(simulator, connection):
    results = []

    def trigger():
        from django.db import connection as db

        try:
            results.append(sync_connection(JiraConnection.objects.get(pk=connection.pk)))
        finally:
            db.close()

    threads = [threading.Thread(target=trigger) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ran = [r for r in results if r is not None]
    assert len(ran) == 1
    assert SyncRun.objects.filter(connection=connection).count() == 1


def test_configured_projects_limit_the_sync(simulator, connection):
    connection.project_keys = "ENG"
    connection.save()
    sync_connection(connection)
    assert set(
        Issue.objects.filter(connection=connection).values_list("project_key", flat=True)
    ) == {"ENG"}


def test_removing_a_project_from_the_list_deletes_its_issues_at_the_next_sync(
    simulator, connection
):
    sync_connection(connection)
    assert set(
        Issue.objects.filter(connection=connection).values_list("project_key", flat=True)
    ) == {
        "KAN",
        "ENG",
        "PLAT",
    }
    connection.project_keys = "ENG,PLAT"
    connection.save()
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert set(
        Issue.objects.filter(connection=connection).values_list("project_key", flat=True)
    ) == {"ENG", "PLAT"}


def test_a_project_the_account_lost_is_flagged_and_its_issues_kept(simulator, connection):
    site = simulator.site("acme")
    sync_connection(connection)
    kan_before = Issue.objects.filter(connection=connection, project_key="KAN").count()
    site.set_project_access(DEMO_EMAIL, ["ENG", "PLAT"])
    connection.project_keys = "KAN,ENG,PLAT"
    connection.save()
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.PARTIAL
    assert any("KAN" in warning for warning in run.warnings)
    assert (
        Issue.objects.filter(
            connection=connection, project_key="KAN", removed_at__isnull=True
        ).count()
        == kan_before
    )


def test_done_issues_are_credited_to_the_assignee_at_completion(simulator, connection):
    sync_connection(connection)
    done = Issue.objects.filter(connection=connection, done_at__isnull=False)
    assert done.exists()
    # Most done work has someone to credit; work not done is credited to nobody yet.
    assert done.filter(completed_by__isnull=False).count() >= done.count() * 0.5
    assert not Issue.objects.filter(
        connection=connection, done_at__isnull=True, completed_by__isnull=False
    ).exists()


def test_the_account_comes_first_then_the_sites_shape_and_projects_side_by_side(
    simulator, connection, monkeypatch
):
    """The account proves the credentials before anything else is sent; the site's fields
    and its projects then go out together, one round trip instead of two."""
    arrivals: dict[str, float] = {}
    count = simulator.count

    def counting(route):
        arrivals.setdefault(route, time.monotonic())
        count(route)

    monkeypatch.setattr(simulator, "count", counting)
    simulator.latency_ms = 300
    run = sync_connection(connection)
    assert run.status == "succeeded", run.error or run.warnings
    myself, fields, projects = (
        arrivals["/rest/api/3/myself"],
        arrivals["/rest/api/3/field"],
        arrivals["/rest/api/3/project/search"],
    )
    assert fields - myself >= 0.3 and projects - myself >= 0.3
    assert abs(fields - projects) < 0.25, (fields - myself, projects - myself)
