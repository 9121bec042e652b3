"""Connect with a distinctive token, sync, browse everything, break things: the token shows up nowhere."""

import io
import logging

import pytest
from django.contrib import admin
from django.core import mail
from django.core.management import call_command
from django.db import connection as db
from django.urls import reverse
from django_q.models import Schedule, Task

from integrations.models import JiraConnection, SyncRun
from integrations.simulator import JiraSimulator, start_simulator
from integrations.sync.run import sync_connection
from pensero.models import User
from tests.hardening.test_isolation_sweep import ACCESS

pytestmark = pytest.mark.django_db

CANARY = "CANARY-7d1e0b9c4a2f-do-not-leak"
CANARY_EMAIL = "canary@acme.test"


@pytest.fixture
def simulator(settings):
    sim = JiraSimulator(seed=5, issues=40)
    sim.add_account(CANARY_EMAIL, CANARY, "Asia/Kolkata")
    sim.site("acme").set_project_access(CANARY_EMAIL, ["KAN", "ENG", "PLAT"])
    running = start_simulator(sim)
    settings.JIRA_SITE_URL_TEMPLATE = running.site_url_template
    yield sim
    running.stop()


def _assert_clean(text, where):
    assert CANARY not in text, f"the token leaked into {where}"


def test_the_token_appears_nowhere(
    simulator, alice_client, acme, bob, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    seen = []

    # Connect through the form; the first sync runs (tasks are synchronous in tests).
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("jira_connect_token"),
            {
                "subdomain": "acme",
                "email": CANARY_EMAIL,
                "api_token": CANARY,
                "projects": "KAN,ENG",
            },
            follow=True,
        )
    seen.append(("connect response", response.content.decode()))
    connection = JiraConnection.objects.get(workspace=acme)
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error

    # Every app page, with real objects.
    from integrations.models import Issue, Person, Sprint

    issue = Issue.objects.filter(connection=connection).first()
    sprint = Sprint.objects.filter(connection=connection, state="closed").first()
    person = Person.objects.filter(workspace=acme).first()
    from analytics.models import Team

    team = Team.objects.create(workspace=acme, name="Canaries")
    team.members.add(person)
    from pensero.models import Membership

    objects = {
        "connection_id": connection.pk,
        "issue_id": issue.pk,
        "person_id": person.pk,
        "team_id": team.pk,
        "membership_id": Membership.objects.get(user=bob).pk,
        "table": "contributors",
        "sprint_id": sprint.pk,
        "sprint_table": "sprints",
        "investment_table": "months",
    }
    for name, (_, method, kinds) in ACCESS.items():
        if method != "get":
            continue
        url = reverse(name, kwargs={k: objects[k] for k in kinds})
        seen.append((url, alice_client.get(url).content.decode()))

    # Every Django admin list and change page.
    staff = User.objects.create_superuser(email="staff@acme.test", password="a staff password 123")
    alice_client.force_login(staff)
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        seen.append(
            (
                f"admin {info}",
                alice_client.get(reverse("admin:{}_{}_changelist".format(*info))).content.decode(),
            )
        )
        first = model._default_manager.first()
        if first is not None:
            url = reverse("admin:{}_{}_change".format(*info), args=[first.pk])
            seen.append((url, alice_client.get(url).content.decode()))

    # Management commands.
    for command, args in [
        ("export_issues", ["--format", "jsonl"]),
        ("export_sprints", ["--format", "jsonl"]),
        ("sync_jira", ["--connection", str(connection.pk)]),
    ]:
        out = io.StringIO()
        call_command(command, *args, stdout=out, stderr=out)
        seen.append((command, out.getvalue()))

    # Jira starts refusing the token: the run fails, the connection needs attention.
    simulator.accounts.pop(CANARY_EMAIL.lower(), None)
    simulator._auth_cache.clear()
    run = sync_connection(connection)
    connection.refresh_from_db()
    assert connection.status == JiraConnection.Status.NEEDS_ATTENTION
    seen.append(("run error", run.error + connection.last_error))
    seen.append(
        (
            "manage after 401",
            alice_client.get(reverse("jira_manage", args=[connection.pk])).content.decode(),
        )
    )

    # A password reset email, for good measure.
    alice_client.post(reverse("account_reset_password"), {"email": "alice@acme.test"})

    for where, text in seen:
        _assert_clean(text, where)
    for record in caplog.records:
        _assert_clean(
            record.getMessage() + str(record.args) + str(record.exc_text or ""),
            f"log {record.name}",
        )
    for message in mail.outbox:
        _assert_clean(message.subject + message.body, "email")
    for task in Task.objects.all():
        _assert_clean(repr(task.args) + repr(task.kwargs) + repr(task.result), f"task {task.name}")
    for schedule in Schedule.objects.all():
        _assert_clean(repr(schedule.args) + repr(schedule.kwargs), "schedule")
    with db.cursor() as cursor:
        cursor.execute("SELECT api_token FROM integrations_jiraconnection")
        (raw,) = cursor.fetchone()
    _assert_clean(raw, "the database column")
    assert raw.startswith("gAAAAA")
    assert len(seen) > 40  # the sweep really browsed the app
