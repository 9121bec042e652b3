"""A site that pauses the app for longer than anything is worth waiting (Retry-After: 999999).

Nothing waits for it: the pause is capped, a worker's task ends at once and is retried
when Jira allows, a web request says so at once, and nothing is booked in the budget the
site's other work shares.
"""

import ast
from datetime import timedelta

import pytest
import responses
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from integrations.jira.client import JiraClient
from integrations.jira.errors import JiraRateLimitedError
from integrations.jira.pacing import MAX_PAUSE_SECONDS, SitePacer, SitePaused
from integrations.models import SyncRun, WebhookEvent
from integrations.sync.run import sync_connection
from integrations.tasks import sync_connection_task
from integrations.webhooks import processing
from integrations.webhooks.setup import webhook_for
from jira_simulator import DEMO_EMAIL, DEMO_TOKEN, JiraSimulator
from tests.integrations.test_jira_pacing import Clock
from tests.integrations.webhook_helpers import payload, post_admin
from tests.simulated import demo_connection, serving

BASE = "https://acme.atlassian.net"
QUOTA_429 = {"Retry-After": "999999", "RateLimit-Reason": "jira-quota-tenant-based"}


def _throttle(pacer, clock, headers):
    permit = pacer.acquire("GET /x")
    pacer.sending(permit)
    clock.now += 0.1
    pacer.release(permit, status=429, headers=headers)


def test_no_pause_lasts_longer_than_the_cap():
    clock = Clock()
    pacer = SitePacer(concurrency=4, clock=clock)
    _throttle(pacer, clock, QUOTA_429)
    assert pacer.paused_for("GET /x") == pytest.approx(MAX_PAUSE_SECONDS)
    assert pacer.paused_for("GET /other") == pytest.approx(MAX_PAUSE_SECONDS)  # the whole site


def test_a_caller_that_cant_wait_is_told_at_once_and_books_nothing():
    clock = Clock()
    booked = []
    pacer = SitePacer(
        concurrency=1,
        clock=clock,
        shared_reserve=lambda family, delay: booked.append(delay) or delay,
    )
    _throttle(pacer, clock, QUOTA_429)
    booked.clear()
    with pytest.raises(SitePaused) as paused:
        pacer.acquire("GET /x", max_wait=60)
    assert paused.value.seconds == pytest.approx(MAX_PAUSE_SECONDS)
    assert booked == []  # nothing booked in the shared budget
    # ...and no place in the window taken: a retry that waited its own Retry-After goes.
    permit = pacer.acquire("GET /x", waited_retry_after=True)
    assert permit.delay == 0


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_the_client_sends_nothing_more_to_a_paused_site_and_never_sleeps(rsps):
    url = f"{BASE}/rest/api/3/myself"
    rsps.get(url, status=429, headers=QUOTA_429, json={"errorMessages": ["Too many"]})
    sleeps = []
    client = JiraClient(base_url=BASE, email="a@x.test", api_token="t", sleep=sleeps.append)
    with pytest.raises(JiraRateLimitedError) as first:
        client.myself()
    assert first.value.retry_after == 999999
    with pytest.raises(JiraRateLimitedError) as second:
        client.myself()
    assert second.value.retry_after == pytest.approx(MAX_PAUSE_SECONDS, abs=5)
    assert "pause requests to the site for about 1 hour" in second.value.message
    assert len(rsps.calls) == 1  # the second call sent nothing
    assert sleeps == []


# -- over real HTTP -----------------------------------------------------------------------------


@pytest.fixture
def simulator(settings):
    sim = JiraSimulator(seed=5, issues=40, projects=("KAN", "ENG"))
    with serving(sim, settings):
        yield sim


@pytest.mark.django_db(transaction=True)
def test_a_paused_sync_ends_at_once_and_is_retried_when_jira_allows(simulator, acme):
    connection = demo_connection(acme)
    simulator.throttled_sites["acme"] = 999999
    outcome = sync_connection_task(connection.pk, SyncRun.Trigger.MANUAL)
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncRun.Status.FAILED
    assert "stopped, tries again at" in outcome
    assert "pause requests to acme.atlassian.net for about 1 hour" in run.error
    assert "tries again at" in run.error
    expected = run.finished_at + timedelta(seconds=MAX_PAUSE_SECONDS)
    assert abs(run.next_try_at - expected) < timedelta(seconds=5)
    assert simulator.request_counts["/rest/api/3/myself"] == 1  # asked once, not retried
    retry = Schedule.objects.get(name=f"jira-sync-retry-{connection.pk}")
    assert retry.next_run == run.next_try_at
    assert retry.schedule_type == Schedule.ONCE

    # When the time comes (the schedule runs its task), Jira answers again.
    simulator.throttled_sites.clear()
    from integrations import site_budgets

    site_budgets._pacers.clear()  # this process's memory of the pause, over by then
    assert retry.func == "integrations.tasks.sync_connection_task"
    sync_connection_task(*ast.literal_eval(retry.args))
    assert SyncRun.objects.filter(connection=connection).first().status == (
        SyncRun.Status.SUCCEEDED
    )


@pytest.mark.django_db(transaction=True)
def test_the_connect_form_says_the_site_is_paused_at_once(simulator, alice_client):
    simulator.throttled_sites["acme"] = 999999
    form = {"subdomain": "acme", "email": DEMO_EMAIL, "api_token": DEMO_TOKEN, "projects": ""}
    response = alice_client.post(reverse("jira_connect_token"), form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "acme.atlassian.net is rate-limiting this app" in page
    assert "about 278 hours" in page
    assert simulator.request_counts["/rest/api/3/myself"] == 1


@pytest.mark.django_db(transaction=True)
def test_webhook_events_for_a_paused_site_wait_for_it_without_a_worker(
    simulator, acme, client, settings, monkeypatch
):
    settings.PUBLIC_BASE_URL = "https://pensero.example.com"
    monkeypatch.setattr(processing, "COALESCE_SECONDS", 0)
    connection = demo_connection(acme)
    sync_connection(connection)
    simulator.throttled_sites["acme"] = 999999
    webhook = webhook_for(connection)
    url = reverse("jira_webhook_delivery", args=[webhook.url_token])
    body = payload(issue_id=next(iter(simulator.site("acme").truth())))
    assert post_admin(client, url, body, secret=webhook.secret.reveal()).status_code == 202
    event = WebhookEvent.objects.get()
    assert event.processed_at is None and event.claim == ""  # given back, not lost
    retry = Schedule.objects.get(name=f"jira-webhooks-retry-{connection.pk}")
    assert retry.next_run > timezone.now() + timedelta(minutes=50)
