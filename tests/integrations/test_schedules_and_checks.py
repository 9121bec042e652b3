"""The schedule follows JIRA_SYNC_INTERVAL_MINUTES after every migrate; bad Jira settings stop start-up."""

from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from integrations.schedules import SYNC_ALL_SCHEDULE


def _migrate():
    call_command("migrate", verbosity=0)


@pytest.mark.django_db
def test_every_migrate_sets_the_schedule_from_the_settings(settings):
    settings.JIRA_SYNC_INTERVAL_MINUTES = 15
    _migrate()
    (schedule,) = Schedule.objects.filter(name=SYNC_ALL_SCHEDULE)
    assert schedule.minutes == 15
    assert schedule.func == "integrations.tasks.sync_all_connections_task"

    settings.JIRA_SYNC_INTERVAL_MINUTES = 240
    _migrate()
    _migrate()
    (schedule,) = Schedule.objects.filter(name=SYNC_ALL_SCHEDULE)  # still one
    assert schedule.minutes == 240


@pytest.mark.django_db
def test_a_shorter_interval_applies_from_now(settings):
    Schedule.objects.filter(name=SYNC_ALL_SCHEDULE).update(
        minutes=1440, next_run=timezone.now() + timedelta(hours=20)
    )
    settings.JIRA_SYNC_INTERVAL_MINUTES = 30
    _migrate()
    schedule = Schedule.objects.get(name=SYNC_ALL_SCHEDULE)
    assert schedule.next_run <= timezone.now() + timedelta(minutes=30)


@pytest.mark.django_db
def test_an_unchanged_schedule_keeps_its_next_run(settings):
    soon = timezone.now() + timedelta(minutes=5)
    Schedule.objects.filter(name=SYNC_ALL_SCHEDULE).update(next_run=soon)
    _migrate()
    assert Schedule.objects.get(name=SYNC_ALL_SCHEDULE).next_run == soon


@pytest.mark.parametrize(
    ("template", "why"),
    [
        ("https://{subdomain}}.atlassian.net", "a brace other than {subdomain} is not doubled"),
        ("https://{site}.atlassian.net", "it has no {subdomain}"),
        ("https://jira.example.com", "it has no {subdomain}"),
        ("ftp://{subdomain}.example.com", "it doesn't make a plain http(s) URL"),
        ("https://user:secret@{subdomain}.example.com", "it doesn't make a plain http(s) URL"),
    ],
)
def test_a_malformed_site_url_template_stops_start_up(settings, template, why):
    settings.JIRA_SITE_URL_TEMPLATE = template
    with pytest.raises(SystemCheckError) as stopped:
        call_command("check")
    report = str(stopped.value)
    assert f"JIRA_SITE_URL_TEMPLATE can't be used: {why}" in report
    assert "secret" not in report


@pytest.mark.parametrize(
    "template", ["https://{subdomain}.atlassian.net", "http://127.0.0.1:8765/s/{subdomain}"]
)
def test_good_site_url_templates_pass(settings, template):
    settings.JIRA_SITE_URL_TEMPLATE = template
    assert not [m for m in run_checks() if m.id.startswith("integrations.")]


def test_plain_http_is_a_deploy_warning(settings):
    settings.JIRA_SITE_URL_TEMPLATE = "http://{subdomain}.example.com"
    assert "integrations.W001" in [m.id for m in run_checks(include_deployment_checks=True)]


def test_a_sync_interval_below_one_minute_stops_start_up(settings):
    settings.JIRA_SYNC_INTERVAL_MINUTES = 0
    assert "integrations.E002" in [m.id for m in run_checks()]


@pytest.mark.django_db
def test_the_connect_form_names_the_setting_when_the_template_is_broken(settings, alice_client):
    settings.JIRA_SITE_URL_TEMPLATE = "https://{subdomain}}.atlassian.net"
    from integrations.jira.sites import InvalidSiteUrlTemplate

    with pytest.raises(InvalidSiteUrlTemplate, match="not doubled"):
        alice_client.post(
            reverse("jira_connect_token"),
            {"subdomain": "acme", "email": "a@acme.test", "api_token": "t" * 20},
        )
