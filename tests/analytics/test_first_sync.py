"""While a site's first sync hasn't finished, every report page says the data is partial."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import JiraConnection, SyncRun
from tests.analytics.factories import make_connection, make_person, make_team

RUNNING = "First sync of acme.atlassian.net running: 900 of about 3000 issues so far."
PARTIAL = "The data is partial."


def _run(connection, *, status=SyncRun.Status.RUNNING, seen=900, expected=3000, age=0):
    at = timezone.now() - timedelta(minutes=age)
    return SyncRun.objects.create(
        connection=connection,
        kind=SyncRun.Kind.FULL,
        trigger=SyncRun.Trigger.CONNECT,
        status=status,
        started_at=at,
        heartbeat_at=at,
        finished_at=None if status == SyncRun.Status.RUNNING else at,
        issues_seen=seen,
        issues_expected=expected,
    )


def _first_sync(workspace, subdomain="acme"):
    """A site just connected: its first sync was asked for 20 minutes ago."""
    connection = make_connection(workspace, subdomain)
    connection.sync_requested_at = timezone.now() - timedelta(minutes=20)
    connection.save()
    return connection


def _report_pages(workspace):
    team = make_team(workspace, "Platform", [make_person(workspace, "Ann Archer")])
    return [
        reverse("dashboard"),
        reverse("reports"),
        reverse("report_sprints"),
        reverse("report_investment"),
        reverse("report_team", args=[team.pk]),
    ]


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_every_report_page_says_the_data_is_partial_during_the_first_sync(acme, bob_client):
    _run(_first_sync(acme))
    for url in _report_pages(acme):
        page = _page(bob_client, url)
        assert PARTIAL in page, url
        assert RUNNING in page, url


def test_the_notice_goes_once_the_first_sync_finishes(acme, bob_client):
    connection = _first_sync(acme)
    run = _run(connection)
    assert RUNNING in _page(bob_client, reverse("reports"))
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now(), issues_seen=3000
    )
    JiraConnection.objects.filter(pk=connection.pk).update(last_synced_at=timezone.now())
    # A later sync is no first sync: the data is whole.
    _run(connection, seen=10, expected=20)
    for url in _report_pages(acme):
        assert PARTIAL not in _page(bob_client, url), url


def test_a_queued_first_sync_is_partial_data_too(acme, bob_client):
    _first_sync(acme)
    page = _page(bob_client, reverse("reports"))
    assert PARTIAL in page
    assert "First sync of acme.atlassian.net queued" in page


def test_a_first_sync_that_stopped_says_the_data_is_partial(acme, bob_client):
    connection = _first_sync(acme)
    # The worker died 10 minutes ago: the run is failed when a page looks at it.
    run = _run(connection, age=10)
    page = _page(bob_client, reverse("reports"))
    assert RUNNING not in page
    assert "The first sync of acme.atlassian.net stopped before it finished" in page
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED


def test_only_the_sites_still_in_their_first_sync_are_named(acme, globex, bob_client):
    done = make_connection(acme, "acme-eu")
    done.last_synced_at = timezone.now()
    done.save()
    _run(done)  # a later sync of a site already synced once
    _run(_first_sync(acme), seen=900, expected=None)
    _run(_first_sync(globex, "globex"))  # another workspace's
    gone = _first_sync(acme, "acme-old")
    gone.status = JiraConnection.Status.DISCONNECTED
    gone.save()
    page = _page(bob_client, reverse("reports"))
    assert "First sync of acme.atlassian.net running: 900 issues so far." in page
    for other in ("acme-eu", "globex", "acme-old"):
        assert f"of {other}.atlassian.net" not in page


@pytest.mark.parametrize("url_name", ["reports", "dashboard"])
def test_no_notice_without_a_first_sync(acme, bob_client, url_name):
    make_connection(acme, "acme")  # stored data, no sync asked for: the tests' datasets
    assert PARTIAL not in _page(bob_client, reverse(url_name))
