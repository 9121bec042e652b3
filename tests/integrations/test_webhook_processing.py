"""From a delivery to the stored issue, against the simulator over real HTTP.

Deliveries go through the receiver (signed like Jira's); the processing task fetches what
changed through the sync's own code. Events may come late, twice or out of order.
"""

import io
import json
from datetime import datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django_q.models import OrmQ

from integrations.clients import client_for
from integrations.models import Issue, JiraConnection, Sprint, SyncRun, WebhookEvent
from integrations.sync.mapping import map_issue
from integrations.sync.run import sync_connection
from integrations.sync.writer import stored_versions, write_page
from integrations.webhooks import processing
from integrations.webhooks.setup import webhook_for
from integrations.webhooks.tasks import process_webhook_events_task
from jira_simulator import JiraSimulator
from tests.integrations import webhook_payloads as jira_payloads
from tests.integrations.webhook_helpers import payload, post_admin
from tests.simulated import demo_connection, serving

pytestmark = pytest.mark.django_db(transaction=True)
SEARCH = "/rest/api/3/search/jql"
SITE_SHAPE = ("/rest/api/3/field", "/rest/api/3/resolution/search", "/rest/api/3/status")


@pytest.fixture(autouse=True)
def no_coalescing_wait(settings, monkeypatch):
    settings.PUBLIC_BASE_URL = "https://pensero.example.com"
    monkeypatch.setattr(processing, "COALESCE_SECONDS", 0)


@pytest.fixture
def simulator(settings):
    sim = JiraSimulator(seed=9, issues=250, projects=("KAN", "ENG"))
    with serving(sim, settings):
        yield sim


@pytest.fixture
def site(simulator):
    return simulator.site("acme")


@pytest.fixture
def connection(acme, simulator):
    connection = demo_connection(acme)
    sync_connection(connection)
    connection.refresh_from_db()
    assert connection.sync_watermark is not None
    simulator.reset_counts()
    return connection


class Jira:
    """Sends a connection's webhook deliveries the way Jira does (signed, with identifiers)."""

    def __init__(self, client, connection):
        webhook = webhook_for(connection)
        self.client = client
        self.url = reverse("jira_webhook_delivery", args=[webhook.url_token])
        self.secret = webhook.secret.reveal()
        self.sent = 0

    def send(self, event, issue_id, *, identifier=None):
        return self.send_body(payload(event=event, issue_id=issue_id), identifier=identifier)

    def send_body(self, body: bytes, *, identifier=None):
        self.sent += 1
        identifier = identifier or f"delivery-{self.sent}"
        response = post_admin(
            self.client, self.url, body, secret=self.secret, identifier=identifier
        )
        assert response.status_code == 202
        return identifier


@pytest.fixture
def jira(client, connection):
    return Jira(client, connection)


def exported(connection) -> dict[str, dict]:
    out = io.StringIO()
    call_command(
        "export_issues", "--connection", str(connection.pk), "--format", "jsonl", stdout=out
    )
    return {str(row["jira_id"]): row for row in map(json.loads, out.getvalue().splitlines())}


def stored(connection, jira_id) -> Issue:
    return Issue.objects.get(connection=connection, jira_id=int(jira_id))


def test_an_edit_in_jira_is_in_the_export_right_after_its_event(site, connection, jira):
    site.update_issue("10010", summary="Edited a moment ago", status="Done")
    jira.send("jira:issue_updated", "10010")
    row = exported(connection)["10010"]
    assert row["summary"] == "Edited a moment ago"
    assert row["status"] == "Done"
    assert datetime.fromisoformat(row["updated"]) == datetime.fromisoformat(
        site.truth()["10010"]["updated"]
    )
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()


def test_a_comment_and_a_new_issue_arrive_with_their_events(site, connection, jira):
    before = stored(connection, "10011").comment_count
    site.add_comment("10011", "Seen within seconds")
    new_id = site.create_issue("ENG", summary="Created just now")
    jira.send("comment_created", "10011")
    jira.send("jira:issue_created", new_id)
    assert stored(connection, "10011").comment_count == before + 1
    assert stored(connection, new_id).summary == "Created just now"
    assert stored(connection, new_id).key == site.truth()[new_id]["key"]


def test_a_moved_issue_gets_its_new_key(site, connection, jira):
    old_key = stored(connection, "10012").key
    new_key = site.move_issue("10012", "ENG" if old_key.startswith("KAN") else "KAN")
    jira.send("jira:issue_updated", "10012")
    assert stored(connection, "10012").key == new_key != old_key


def test_a_delete_event_removes_the_issue_once_jira_confirms_it(site, connection, jira, simulator):
    deleted = site.delete_issue("10013")
    for issue_id in deleted:
        jira.send("jira:issue_deleted", issue_id)
    assert "10013" not in exported(connection)
    assert stored(connection, "10013").removed_at is not None
    # Asked of Jira first: it no longer returns the issue.
    assert simulator.request_counts[SEARCH] >= 1


def test_a_late_update_after_the_delete_doesnt_bring_the_issue_back(site, connection, jira):
    site.update_issue("10014", summary="Changed, then deleted")
    site.delete_issue("10014")
    jira.send("jira:issue_deleted", "10014")
    jira.send("jira:issue_updated", "10014")  # the update's delivery was late
    assert "10014" not in exported(connection)


def test_out_of_order_events_leave_the_newest_version(site, connection, jira):
    site.update_issue("10015", summary="First edit")
    first = jira.sent + 1
    site.update_issue("10015", summary="Second edit")
    # The second change's delivery overtakes the first's, which arrives twice.
    jira.send("jira:issue_updated", "10015", identifier="second")
    jira.send("jira:issue_updated", "10015", identifier=f"first-{first}")
    jira.send("jira:issue_updated", "10015", identifier=f"first-{first}")
    issue = stored(connection, "10015")
    assert issue.summary == "Second edit"
    assert issue.updated_at == datetime.fromisoformat(site.truth()["10015"]["updated"])


def test_a_slow_page_never_overwrites_a_newer_version(site, connection, jira):
    """A sync page read before an edit is written after the edit's event was applied."""
    with client_for(connection) as client:
        page = client.search_jql(
            jql="id = 10016", fields=["summary", "updated", "created", "project", "status"]
        )
    stale = map_issue(page["issues"][0])
    known = stored_versions(connection)
    site.update_issue("10016", summary="Newer than the slow page")
    jira.send("jira:issue_updated", "10016")
    write_page(connection, [stale], known=known)
    assert stored(connection, "10016").summary == "Newer than the slow page"


def test_a_burst_of_500_events_is_fetched_in_a_few_searches(
    site, connection, jira, simulator, monkeypatch
):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)  # the task waits in the queue, as in production
    issue_ids = [str(10001 + n) for n in range(40, 160)]  # 120 issues
    for n, issue_id in enumerate(issue_ids):
        site.update_issue(issue_id, summary=f"Burst edit {n}")
    deliveries = [(f"burst-{n}", issue_ids[n % len(issue_ids)]) for n in range(450)]
    retries = deliveries[::9]  # 50 deliveries Jira sends again
    for identifier, issue_id in deliveries + retries:
        jira.send("jira:issue_updated", issue_id, identifier=identifier)
    assert OrmQ.objects.count() == 1  # one processing task for the whole burst
    assert WebhookEvent.objects.count() == 450

    process_webhook_events_task(connection.pk)

    assert simulator.request_counts[SEARCH] == 3  # 120 ids, 50 to a search
    truth = site.truth()
    rows = exported(connection)
    for issue_id in issue_ids:
        assert rows[issue_id]["summary"] == truth[issue_id]["summary"]
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()


def test_events_before_the_first_sync_are_left_to_it(acme, simulator, client):
    connection = demo_connection(acme)
    jira = Jira(client, connection)
    jira.send("jira:issue_updated", "10001")
    assert simulator.request_counts[SEARCH] == 0
    assert WebhookEvent.objects.get().processed_at is not None
    assert not Issue.objects.exists()


def test_a_jira_outage_gives_the_events_back_for_the_next_task(
    site, connection, jira, simulator, monkeypatch
):
    monkeypatch.setattr("integrations.jira.session.time.sleep", lambda seconds: None)
    site.update_issue("10017", summary="Edited during an outage")
    simulator.faults.configure(rate=1.0, kinds=["server_error"])
    jira.send("jira:issue_updated", "10017")
    event = WebhookEvent.objects.get()
    assert event.processed_at is None and not event.claim
    assert stored(connection, "10017").summary != "Edited during an outage"

    simulator.faults.configure(rate=0.0)
    site.update_issue("10018", summary="Edited after it")
    jira.send("jira:issue_updated", "10018")
    assert stored(connection, "10017").summary == "Edited during an outage"
    assert stored(connection, "10018").summary == "Edited after it"
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()


# -- real-shaped deliveries: what the app then asks of Jira -------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        lambda i, other: jira_payloads.server_comment(i),
        lambda i, other: jira_payloads.cloud_comment(i, event="comment_updated"),
        lambda i, other: jira_payloads.issuelink(other, i),
        lambda i, other: jira_payloads.issuelink(i, other, event="issuelink_deleted"),
        lambda i, other: jira_payloads.worklog(i),
        lambda i, other: jira_payloads.worklog(i, event="worklog_updated"),
    ],
    ids=["server-comment", "cloud-comment", "link-dest", "link-source", "worklog", "worklog-upd"],
)
def test_any_delivery_naming_an_issue_makes_the_app_read_it_again(site, connection, jira, shape):
    site.update_issue("10020", summary="Changed where no issue event says so")
    jira.send_body(shape(10020, 10021))
    assert stored(connection, "10020").summary == "Changed where no issue event says so"


def test_a_replayed_delete_of_a_live_issue_hides_nothing(site, connection, jira):
    jira.send("jira:issue_deleted", "10022")
    assert stored(connection, "10022").removed_at is None
    assert "10022" in exported(connection)


def test_a_sprint_event_reads_that_sprint_again(simulator, site, connection, jira):
    future = Sprint.objects.filter(connection=connection, state=Sprint.State.FUTURE).first()
    assert future is not None, "the simulated site plans future sprints"
    site.start_sprint(future.jira_id)  # changes no issue: only the sprint event says so
    jira.send_body(jira_payloads.sprint(future.jira_id))
    future.refresh_from_db()
    assert future.state == Sprint.State.ACTIVE
    assert future.start_at is not None


def test_an_empty_body_queues_one_incremental_sync(site, connection, jira):
    site.update_issue("10023", summary="Seen through an empty delivery")
    jira.send_body(b"")
    assert stored(connection, "10023").summary == "Seen through an empty delivery"
    assert connection.sync_runs.filter(trigger=SyncRun.Trigger.WEBHOOK).count() == 1


def test_a_deleted_project_makes_the_next_sync_a_census(site, connection, jira):
    before = JiraConnection.objects.get(pk=connection.pk).last_census_at
    jira.send_body(jira_payloads.project_deleted("KAN"))
    run = connection.sync_runs.get(trigger=SyncRun.Trigger.WEBHOOK)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert JiraConnection.objects.get(pk=connection.pk).last_census_at > before


def test_a_batch_asks_jira_only_for_its_issues_not_the_site_again(
    site, connection, jira, simulator
):
    site.update_issue("10020", summary="One edit")
    jira.send("jira:issue_updated", "10020")
    site.update_issue("10021", summary="Another edit")
    jira.send("jira:issue_updated", "10021")
    assert stored(connection, "10021").summary == "Another edit"
    # The fields, resolutions and statuses the last sync read are reused: one search a
    # batch, and only the per-issue requests its issues need.
    assert simulator.request_counts[SEARCH] == 2
    for path in SITE_SHAPE:
        assert simulator.request_counts[path] == 0


def test_a_batch_in_a_process_without_the_statuses_reads_them_once(
    site, connection, jira, simulator
):
    cache.clear()  # another worker process, or an evicted entry
    for n, issue_id in enumerate(("10022", "10023")):
        site.update_issue(issue_id, summary=f"Edit {n}")
        jira.send("jira:issue_updated", issue_id)
        assert stored(connection, issue_id).summary == f"Edit {n}"
    assert simulator.request_counts["/rest/api/3/status"] == 1
    assert simulator.request_counts["/rest/api/3/field"] == 0
    assert simulator.request_counts["/rest/api/3/resolution/search"] == 0
