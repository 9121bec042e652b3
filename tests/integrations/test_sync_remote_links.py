"""Remote links are asked only where the changelog shows them, and still come out complete.

Against the simulator, which (like real sites) records every added remote link in the
changelog; a link made without that record is caught by the weekly check of every
issue's links, or by `sync_jira --full --verify-links`.
"""

from datetime import timedelta

import pytest

from integrations.jira.links import document_from_url, pull_request_from_url
from integrations.models import Issue, IssueDocument, JiraConnection, PullRequest, SyncRun
from integrations.sync.remote_links import LINK_CHECK_EVERY
from integrations.sync.run import sync_connection
from jira_simulator import DEMO_EMAIL, JiraSimulator
from tests.simulated import demo_connection, serving

pytestmark = pytest.mark.django_db(transaction=True)

REMOTE_LINKS = "/rest/api/3/issue/{ref}/remotelink"


@pytest.fixture
def simulator(settings):
    with serving(JiraSimulator(seed=13, issues=150), settings) as running:
        yield running.simulator


@pytest.fixture
def connection(acme):
    return demo_connection(acme)


def _normalised(url: str) -> str:
    ref = pull_request_from_url(url) or document_from_url(url)
    return ref.url if ref else url


def _stored_from_remote_links(connection, jira_id) -> set[tuple[str, str]]:
    issue = Issue.objects.get(connection=connection, jira_id=int(jira_id))
    rows = [IssueDocument.objects.filter(issue=issue), PullRequest.objects.filter(issue=issue)]
    return {
        (url, title)
        for queryset in rows
        for url, title in queryset.filter(source="remote_link").values_list("url", "title")
    }


def _stored_link_urls(connection, jira_id) -> set[str]:
    issue = Issue.objects.get(connection=connection, jira_id=int(jira_id))
    return set(IssueDocument.objects.filter(issue=issue).values_list("url", flat=True)) | set(
        PullRequest.objects.filter(issue=issue).values_list("url", flat=True)
    )


def assert_remote_links_complete(connection, site):
    for jira_id, truth in site.truth(DEMO_EMAIL).items():
        expected = {_normalised(url) for url in truth["remote_link_urls"]}
        assert expected <= _stored_link_urls(connection, jira_id), jira_id


def _remote_link_requests(simulator) -> int:
    return simulator.request_counts[REMOTE_LINKS]


def test_a_full_sync_asks_only_issues_whose_changelog_shows_links(simulator, connection):
    site = simulator.site("acme")
    truth = site.truth(DEMO_EMAIL)
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.SUCCEEDED, (run.error, run.warnings)
    linked = sum(1 for t in truth.values() if t["remote_link_urls"])
    assert 0 < linked < len(truth)
    assert _remote_link_requests(simulator) == linked
    assert_remote_links_complete(connection, site)


def test_an_incremental_sync_asks_only_the_issue_that_got_a_link(simulator, connection):
    site = simulator.site("acme")
    sync_connection(connection)
    truth = site.truth(DEMO_EMAIL)
    with_links = next(i for i, t in truth.items() if t["remote_link_urls"])
    newly_linked = next(i for i, t in truth.items() if not t["remote_link_urls"])
    stored_before = _stored_from_remote_links(connection, with_links)
    assert stored_before
    # A change that isn't a link: the issue is read again, its links are kept as stored.
    site.update_issue(with_links, summary="Renamed, links untouched")
    site.add_remote_link(newly_linked, "https://docs.google.com/document/d/spec-1/edit", "Spec")
    simulator.reset_counts()
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.SUCCEEDED, (run.error, run.warnings)
    assert run.issues_updated == 2
    assert _remote_link_requests(simulator) == 1
    assert "https://docs.google.com/document/d/spec-1/edit" in _stored_link_urls(
        connection, newly_linked
    )
    assert_remote_links_complete(connection, site)
    assert _stored_from_remote_links(connection, with_links) == stored_before
    kept = Issue.objects.get(connection=connection, jira_id=int(with_links))
    assert kept.document_count + kept.pull_request_count >= len(stored_before)


def test_a_link_made_without_history_is_caught_by_the_verification_pass(simulator, connection):
    site = simulator.site("acme")
    sync_connection(connection)
    quiet = next(i for i, t in site.truth(DEMO_EMAIL).items() if not t["remote_link_urls"])
    url = "https://www.notion.so/acme/Made-by-an-app-0123456789abcdef0123456789abcdef"
    site.add_remote_link(quiet, url, "Made by an app", history=False)

    sync_connection(connection)
    assert _normalised(url) not in _stored_link_urls(connection, quiet)

    simulator.reset_counts()
    run = sync_connection(connection, full=True, verify_links=True)
    assert run.status == SyncRun.Status.SUCCEEDED, (run.error, run.warnings)
    assert run.kind == SyncRun.Kind.FULL
    assert _remote_link_requests(simulator) == len(site.truth(DEMO_EMAIL))
    assert _normalised(url) in _stored_link_urls(connection, quiet)
    assert_remote_links_complete(connection, site)


def test_the_check_of_every_issues_links_runs_weekly_by_itself(simulator, connection):
    site = simulator.site("acme")
    first = sync_connection(connection)
    connection.refresh_from_db()
    assert connection.remote_links_checked_at == first.started_at  # the clock starts
    quiet = next(i for i, t in site.truth(DEMO_EMAIL).items() if not t["remote_link_urls"])
    url = "https://docs.google.com/document/d/quiet-1/edit"
    site.add_remote_link(quiet, url, "Quiet", history=False)

    assert sync_connection(connection).kind == SyncRun.Kind.INCREMENTAL  # not due yet
    week_ago = first.started_at - LINK_CHECK_EVERY - timedelta(minutes=1)
    JiraConnection.objects.filter(pk=connection.pk).update(remote_links_checked_at=week_ago)
    simulator.reset_counts()
    run = sync_connection(connection)
    assert run.kind == SyncRun.Kind.FULL
    assert _remote_link_requests(simulator) == len(site.truth(DEMO_EMAIL))
    assert url in _stored_link_urls(connection, quiet)
    connection.refresh_from_db()
    assert connection.remote_links_checked_at == run.started_at
