"""The comparison rule on sites synced from the built-in simulator: acme's history covers
the default period's previous one; globex, adopted recently after a small pilot, doesn't."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.reports.comparison import MIN_ISSUES, format_day
from integrations.models import SyncRun
from integrations.sync.run import sync_connection
from jira_simulator import JiraSimulator
from jira_simulator.constants import YOUNG_HISTORY_DAYS
from tests.simulated import demo_connection, serving

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(settings, acme):
    simulator = JiraSimulator(seed=7, issues=600, projects=("KAN", "ENG"))
    with serving(simulator, settings):
        for subdomain in ("acme", "globex"):
            run = sync_connection(demo_connection(acme, subdomain))
            assert run.status == SyncRun.Status.SUCCEEDED, (run.error, run.warnings)
    return simulator, {c.subdomain: c.pk for c in acme.jira_connections.all()}


def _cards(client, **params):
    response = client.get(reverse("reports"), params)
    assert response.status_code == 200
    return {card["label"]: card for card in response.context["cards"]}


def test_the_demo_sites_show_a_change_and_both_reasons_for_none(synced, alice_client):
    simulator, sites = synced
    # acme's history spans the default 90 days and the 90 before, with plenty of issues.
    acme = _cards(alice_client, site=sites["acme"])
    assert acme["Delivered issues"]["change"], acme["Delivered issues"]
    # globex's starts 100 days ago: the default period's previous one starts before it.
    history = timezone.localtime(simulator.now - timedelta(days=YOUNG_HISTORY_DAYS)).date()
    globex = _cards(alice_client, site=sites["globex"])
    assert globex["Delivered issues"]["change"] is None
    assert globex["Delivered issues"]["no_change_because"] == (
        "No comparison: the previous period starts before the synced history "
        f"(from {format_day(history)})"
    )
    # The last 45 days: the previous 45 are inside its history, in the pilot's trickle.
    today = timezone.localdate()
    last_45 = {"start": (today - timedelta(days=44)).isoformat(), "end": today.isoformat()}
    globex = _cards(alice_client, site=sites["globex"], **last_45)["Delivered issues"]
    assert globex["change"] is None
    assert globex["no_change_because"].startswith("No comparison: ")
    assert globex["no_change_because"].endswith(" in the previous period")
    assert int(globex["value"]) >= MIN_ISSUES
