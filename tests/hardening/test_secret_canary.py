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
from integrations.sync.run import sync_connection
from jira_simulator import JiraSimulator
from pensero.models import User
from tests.hardening.test_isolation_sweep import ACCESS
from tests.simulated import serving

pytestmark = pytest.mark.django_db

CANARY = "CANARY-7d1e0b9c4a2f-do-not-leak"
CANARY_EMAIL = "canary@acme.test"


@pytest.fixture
def simulator(settings):
    sim = JiraSimulator(seed=5, issues=40)
    sim.add_account(CANARY_EMAIL, CANARY, "Asia/Kolkata")
    sim.site("acme").set_project_access(CANARY_EMAIL, ["KAN", "ENG", "PLAT"])
    with serving(sim, settings):
        yield sim


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
        "flow_table": "status_hours",
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


# -- the DEBUG error page ---------------------------------------------------------------
# A crash below the Connect, Manage or OAuth views (here: the transport raising something
# the client doesn't expect) shows Django's technical 500 page with every frame's local
# variables and the POST data. The credentials must not be among them.

SITE = "https://acme.atlassian.net"


def _debug_client(settings, user):
    from django.test import Client

    settings.DEBUG = True
    settings.JIRA_SITE_URL_TEMPLATE = "https://{subdomain}.atlassian.net"
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _assert_debug_page_without(response, *secrets):
    page = response.content.decode()
    assert response.status_code == 500
    assert "Local vars" in page and "Traceback" in page  # the page that shows locals
    _assert_clean(page, "the DEBUG error page")
    for secret in secrets:
        assert secret not in page, "a secret is on the DEBUG error page"
    return page


def test_the_debug_error_page_hides_the_token_typed_into_connect(settings, alice):
    import base64

    import responses

    client = _debug_client(settings, alice)
    with responses.RequestsMock() as jira:
        jira.get(f"{SITE}/rest/api/3/myself", body=RuntimeError("the transport broke"))
        response = client.post(
            reverse("jira_connect_token"),
            {"subdomain": "acme", "email": CANARY_EMAIL, "api_token": CANARY, "projects": "KAN"},
        )
    basic = base64.b64encode(f"{CANARY_EMAIL}:{CANARY}".encode()).decode()
    page = _assert_debug_page_without(response, CANARY, basic)
    assert "the transport broke" in page
    assert CANARY_EMAIL in page  # the POST data is shown, with the token starred out


def test_the_debug_error_page_hides_a_new_token_typed_into_manage(settings, alice, acme):
    import responses

    connection = JiraConnection.objects.create(
        workspace=acme, subdomain="acme", email=CANARY_EMAIL, api_token="OLD-token-0000000000"
    )
    client = _debug_client(settings, alice)
    with responses.RequestsMock() as jira:
        jira.get(f"{SITE}/rest/api/3/myself", body=RuntimeError("the transport broke"))
        response = client.post(
            reverse("jira_manage", args=[connection.pk]),
            {"email": CANARY_EMAIL, "api_token": CANARY, "projects": ""},
        )
    _assert_debug_page_without(response, CANARY, "OLD-token-0000000000")


def test_the_debug_error_page_hides_the_oauth_tokens(settings, alice):
    import responses

    from tests.integrations import oauth_helpers as oauth

    oauth.configure(settings)
    client = _debug_client(settings, alice)
    state = oauth.start(client)["state"]
    with responses.RequestsMock() as atlassian:
        atlassian.post(oauth.TOKEN_URL, json=oauth.token_body())
        atlassian.get(oauth.RESOURCES_URL, body=RuntimeError("the transport broke"))
        response = client.get(reverse("jira_oauth_callback"), {"code": "the-code", "state": state})
    _assert_debug_page_without(
        response, oauth.ACCESS_TOKEN, oauth.REFRESH_TOKEN, oauth.CLIENT_SECRET
    )


WEBHOOK_CANARY = "CANARY-webhook-secret-3e9f1a7c5b2d8e40"
CLIENT_SECRET_CANARY = "CANARY-client-secret-8b7c6d5e4f3a2b1c0d9e"


def test_webhook_secrets_and_jwts_appear_only_on_the_secret_page(
    simulator,
    settings,
    alice_client,
    client,
    acme,
    globex,
    caplog,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    """The admin webhook's secret and the JWTs of dynamic deliveries: shown once on purpose,
    nowhere else (pages, admin, logs, task arguments and results, errors, the database)."""
    from django.utils import timezone

    from integrations.models import JiraWebhook
    from integrations.webhooks import processing, setup
    from pensero.encryption import Secret
    from tests.integrations.oauth_helpers import CLOUD_ACME, oauth_connection
    from tests.integrations.webhook_helpers import app_jwt, payload, post_admin

    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(processing, "COALESCE_SECONDS", 0)
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8999"
    settings.ATLASSIAN_CLIENT_ID = "canary-app"
    settings.ATLASSIAN_CLIENT_SECRET = CLIENT_SECRET_CANARY
    simulator.webhooks.max_retries = 0
    seen = []

    connection = JiraConnection.objects.create(
        workspace=acme,
        subdomain="acme",
        email=CANARY_EMAIL,
        api_token=Secret(CANARY),
        project_keys="KAN,ENG",
    )
    sync_connection(connection)
    webhook = setup.webhook_for(connection)
    JiraWebhook.objects.filter(pk=webhook.pk).update(
        secret=Secret(WEBHOOK_CANARY), secret_set_at=timezone.now()
    )
    manage = reverse("jira_manage", args=[connection.pk])

    # Register it for me: refused (the canary account isn't a Jira admin), then as an admin.
    seen.append(("refused register", alice_client.post(
        reverse("jira_webhook_register", args=[connection.pk]), follow=True
    ).content.decode()))  # fmt: skip
    simulator.webhooks.admins.add(CANARY_EMAIL)
    seen.append(("register", alice_client.post(
        reverse("jira_webhook_register", args=[connection.pk]), follow=True
    ).content.decode()))  # fmt: skip
    assert simulator.webhooks.registrations("acme")[0].secret == WEBHOOK_CANARY

    # Deliveries: signed, forged, replayed; the processing task runs inline.
    url = reverse("jira_webhook_delivery", args=[webhook.url_token])
    with django_capture_on_commit_callbacks(execute=True):
        for n, secret in enumerate([WEBHOOK_CANARY, "forged", WEBHOOK_CANARY]):
            response = post_admin(
                client, url, payload(issue_id="10001"), secret=secret, identifier=f"d{n % 2}"
            )
            seen.append((f"delivery {n}", response.content.decode()))

    from integrations.models import WebhookEvent

    assert WebhookEvent.objects.get(connection=connection, identifier="d0").processed_at

    # Dynamic deliveries for an OAuth connection of another workspace, good and bad JWTs.
    oauth = oauth_connection(globex)
    JiraConnection.objects.filter(pk=oauth.pk).update(sync_watermark=None)
    tokens = [
        app_jwt(CLOUD_ACME, secret=CLIENT_SECRET_CANARY, issuer="canary-app"),
        app_jwt(CLOUD_ACME, secret=CLIENT_SECRET_CANARY, issuer="canary-app", expires_in=-900),
        app_jwt(CLOUD_ACME, secret="wrong", issuer="canary-app"),
    ]
    for n, token in enumerate(tokens):
        response = client.post(
            reverse("jira_webhook_app_delivery"),
            payload(),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER=f"dyn-{n}",
        )
        seen.append((f"dynamic delivery {n}", response.content.decode()))

    # The pages: the card, the integrations list, every admin page of the webhook models.
    seen.append(("manage", alice_client.get(manage).content.decode()))
    seen.append(("integrations", alice_client.get(reverse("integrations")).content.decode()))
    seen.append(("rotate", alice_client.post(
        reverse("jira_webhook_rotate", args=[connection.pk]), follow=True
    ).content.decode()))  # fmt: skip
    staff = User.objects.create_superuser(email="staff@acme.test", password="a staff password 123")
    alice_client.force_login(staff)
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        seen.append((f"admin {info}", alice_client.get(
            reverse("admin:{}_{}_changelist".format(*info))
        ).content.decode()))  # fmt: skip
        first = model._default_manager.first()
        if first is not None:
            change = reverse("admin:{}_{}_change".format(*info), args=[first.pk])
            seen.append((change, alice_client.get(change).content.decode()))

    # The one place it shows: the secret page, on request.
    alice_client.force_login(User.objects.get(email="alice@acme.test"))
    JiraWebhook.objects.filter(pk=webhook.pk).update(secret=Secret(WEBHOOK_CANARY))
    revealed = alice_client.post(reverse("jira_webhook_secret", args=[connection.pk]))
    assert WEBHOOK_CANARY in revealed.content.decode()

    secrets = [WEBHOOK_CANARY, CLIENT_SECRET_CANARY, *tokens]
    for where, text in seen:
        for secret in secrets:
            assert secret not in text, f"a webhook secret leaked into {where}"
    for record in caplog.records:
        text = record.getMessage() + str(record.args) + str(record.exc_text or "")
        for secret in secrets:
            assert secret not in text, f"a webhook secret leaked into the log {record.name}"
    for task in Task.objects.all():
        text = repr(task.args) + repr(task.kwargs) + repr(task.result)
        for secret in secrets:
            assert secret not in text, f"a webhook secret leaked into task {task.name}"
    with db.cursor() as cursor:
        cursor.execute("SELECT secret FROM integrations_jirawebhook")
        raw = [row[0] for row in cursor.fetchall()]
    assert raw and all(value.startswith("gAAAAA") for value in raw)
    assert len(seen) > 15
