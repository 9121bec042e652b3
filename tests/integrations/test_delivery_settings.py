"""Settings → Delivery: the resolutions that close an issue without delivering it."""

import pytest
from django.urls import reverse

from integrations.models import DeliveryRules, Issue, JiraConnection
from tests.analytics.factories import at, make_connection, make_issue, make_person

pytestmark = pytest.mark.django_db

URL = "/settings/delivery/"


@pytest.fixture
def site(acme):
    connection = make_connection(acme)
    JiraConnection.objects.filter(pk=connection.pk).update(
        resolutions=[
            {"id": "1", "name": "Done"},
            {"id": "2", "name": "Won't Do"},
            {"id": "3", "name": "Nicht erledigt"},
        ]
    )
    return connection


def test_the_page_lists_the_sites_resolutions_with_the_defaults_ticked(alice_client, site):
    page = alice_client.get(URL).content.decode()
    assert reverse("delivery_settings") == URL
    assert "Nicht erledigt (acme)" in page
    assert 'value="Won&#x27;t Do" id' in page and "checked" in page
    assert "Cannot Reproduce" in page  # a default, though no site lists it


def test_saving_applies_the_rule_to_synced_issues_at_once(alice_client, site):
    ann = make_person(site.workspace, "Ann", site)
    german = make_issue(site, assignee=ann, done=at(5), resolution="Nicht erledigt")
    wont = make_issue(site, assignee=ann, done=at(5), resolution="Won't Do")
    assert german.delivered and not wont.delivered
    response = alice_client.post(
        URL, {"not_delivered": ["Won't Do"], "other": "Nicht erledigt, Obsolète"}, follow=True
    )
    assert "2 synced issues changed" not in response.content.decode()
    assert "1 synced issue changed" in response.content.decode()
    german.refresh_from_db()
    wont.refresh_from_db()
    assert not german.delivered and not wont.delivered
    rules = DeliveryRules.objects.get(workspace=site.workspace)
    assert rules.not_delivered_resolutions == ["Nicht erledigt", "Obsolète", "Won't Do"]


def test_unticking_everything_delivers_every_completed_issue(alice_client, site):
    ann = make_person(site.workspace, "Ann", site)
    make_issue(site, assignee=ann, done=at(5), resolution="Won't Do")
    alice_client.post(URL, {"other": ""})
    assert Issue.objects.get().delivered


def test_a_too_long_name_is_refused_with_a_message(alice_client, site):
    response = alice_client.post(URL, {"other": "x" * 300})
    assert "at most 255 characters" in response.content.decode()
    assert not DeliveryRules.objects.exists()


def test_members_and_outsiders_cannot_change_it(bob_client, charlie_client, site):
    assert bob_client.get(URL).status_code == 403
    assert bob_client.post(URL, {"other": "Done"}).status_code == 403
    charlie_client.post(URL, {"other": "Done"})
    assert not DeliveryRules.objects.filter(workspace=site.workspace).exists()


def test_staff_editing_the_rules_in_the_admin_applies_them_too(admin_client, site):
    ann = make_person(site.workspace, "Ann", site)
    issue = make_issue(site, assignee=ann, done=at(5), resolution="Obsolète")
    assert issue.delivered
    admin_client.post(
        reverse("admin:integrations_deliveryrules_add"),
        {"workspace": site.workspace.pk, "not_delivered_resolutions": '["Obsolète"]'},
    )
    issue.refresh_from_db()
    assert not issue.delivered
