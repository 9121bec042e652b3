"""Setting webhooks up: the receiver URLs, the secret, and the registrations in Jira.

- API-token connections use an *admin webhook*: a Jira admin adds it in System → WebHooks
  with the URL, secret, JQL and events the Manage page shows, or the app registers it
  (`POST /rest/webhooks/1.0/webhook`) when the connected account is a Jira admin.
- OAuth connections use *dynamic webhooks*, registered by the app on connect
  (`POST /rest/api/3/webhook`, scope manage:jira-webhook) and refreshed before their
  30 days run out. Only one URL per app, so they share one receiver.
https://developer.atlassian.com/cloud/jira/platform/webhooks/ (fact sheet section 8)
"""

import logging
import secrets
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from integrations.clients import client_for, form_client_options
from integrations.jira.errors import (
    JiraAuthError,
    JiraBadRequestError,
    JiraError,
    JiraForbiddenError,
    JiraNotFoundError,
)
from integrations.jira.fields import parse_jira_datetime
from integrations.jira.jql import projects_in
from integrations.models import JiraConnection, JiraProject, JiraWebhook
from integrations.oauth import atlassian
from integrations.webhooks.events import ADMIN_EVENTS, EVENTS
from pensero.encryption import Secret

logger = logging.getLogger(__name__)

WEBHOOK_SCOPE = "manage:jira-webhook"
DYNAMIC_LIFETIME = timedelta(days=30)
# The daily task refreshes dynamic webhooks with less than this left, so a few missed
# days (a worker down) still leave time.
REFRESH_WHEN_LEFT = timedelta(days=20)
TIMEOUT_SECONDS = 15.0
# A registration holds its connection this long at most (its process died, say).
REGISTERING_STALE = timedelta(seconds=TIMEOUT_SECONDS * 4)
# One webhook is registered per connection: a site answering with more ids is not believed.
MAX_DYNAMIC_IDS = 10
NO_PUBLIC_URL = (
    "Set PUBLIC_BASE_URL to the address Jira reaches this app at (e.g. "
    "https://pensero.example.com), then try again."
)


class WebhookSetupFailed(Exception):
    """A registration didn't work; `message` is for the admin."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def webhook_for(connection: JiraConnection) -> JiraWebhook:
    """The connection's webhook set-up, made (with a fresh URL token and secret) on first use."""
    webhook, _ = JiraWebhook.objects.get_or_create(
        connection=connection,
        defaults={
            "url_token": secrets.token_urlsafe(32),
            "secret": Secret(new_secret()),
            "secret_set_at": timezone.now(),
        },
    )
    return webhook


def public_url_configured() -> bool:
    return bool(settings.PUBLIC_BASE_URL)


def receiver_url(webhook: JiraWebhook) -> str:
    """Where Jira posts an admin webhook's deliveries (one unguessable URL per connection)."""
    return settings.PUBLIC_BASE_URL + reverse("jira_webhook_delivery", args=[webhook.url_token])


def app_receiver_url() -> str:
    """Where Jira posts dynamic webhooks' deliveries: one URL for the whole OAuth app."""
    return settings.PUBLIC_BASE_URL + reverse("jira_webhook_app_delivery")


def jql_filter(connection: JiraConnection) -> str:
    """The synced projects as a webhook filter; blank (every project) when none is listed."""
    keys = connection.project_key_list
    return projects_in(keys) if keys else ""


def has_webhook_scope(connection: JiraConnection) -> bool:
    return connection.grant is not None and connection.grant.has_scope(WEBHOOK_SCOPE)


def _client(connection: JiraConnection):
    return client_for(connection, max_attempts=2, **form_client_options(TIMEOUT_SECONDS))


def _failed(webhook: JiraWebhook, message: str) -> WebhookSetupFailed:
    """Remember the failure for the Manage page; returns the exception to raise."""
    webhook.last_error = message
    webhook.last_error_at = timezone.now()
    webhook.save(update_fields=["last_error", "last_error_at", "updated_at"])
    return WebhookSetupFailed(message)


def _registered(webhook: JiraWebhook, jql: str, **fields) -> None:
    fields.update(
        registered_at=timezone.now(), registered_jql=jql, last_error="", last_error_at=None
    )
    for name, value in fields.items():
        setattr(webhook, name, value)
    # Only these: deliveries update the row's other fields meanwhile.
    webhook.save(update_fields=[*fields, "updated_at"])


@contextmanager
def _registering(connection: JiraConnection):
    """Hold the connection's registration while it talks to Jira, with its webhook row read
    afresh: a second click meanwhile (or a second worker) registers nothing."""
    webhook = webhook_for(connection)
    now = timezone.now()
    free = Q(registering_since__isnull=True) | Q(registering_since__lt=now - REGISTERING_STALE)
    if not JiraWebhook.objects.filter(free, pk=webhook.pk).update(registering_since=now):
        raise WebhookSetupFailed(
            "The webhooks of this connection are being registered right now; "
            "reload the page in a moment to see the result."
        )
    try:
        webhook.refresh_from_db()
        yield webhook
    finally:
        JiraWebhook.objects.filter(pk=webhook.pk).update(registering_since=None)


# -- the secret -----------------------------------------------------------------------------


def rotate_secret(connection: JiraConnection) -> JiraWebhook:
    """Replace the secret; a webhook the app registered in Jira is given the new one too."""
    webhook = webhook_for(connection)
    webhook.previous_secret = webhook.secret
    webhook.secret = Secret(new_secret())
    webhook.secret_set_at = timezone.now()
    webhook.save(update_fields=["secret", "previous_secret", "secret_set_at", "updated_at"])
    if webhook.admin_webhook_id:
        register_admin_webhook(connection)
    return webhook


# -- admin webhooks (API-token connections) --------------------------------------------------


def check_admin(connection: JiraConnection) -> bool | None:
    """Ask Jira whether the connected account is a Jira admin; remembered for the Manage page."""
    webhook = webhook_for(connection)
    try:
        with _client(connection) as client:
            is_admin = client.is_jira_admin()
    except JiraError as error:
        logger.info("Admin check of connection %s failed: %s", connection.pk, error)
        return webhook.account_is_admin
    webhook.account_is_admin = is_admin
    webhook.save(update_fields=["account_is_admin", "updated_at"])
    return is_admin


def register_admin_webhook(connection: JiraConnection) -> JiraWebhook:
    """Register (or update) the connection's admin webhook in Jira. Needs a Jira admin account."""
    if not public_url_configured():
        raise _failed(webhook_for(connection), NO_PUBLIC_URL)
    if connection.is_oauth or not connection.can_sync:
        raise WebhookSetupFailed("Only an active API-token connection registers an admin webhook.")
    with _registering(connection) as webhook:
        return _register_admin_webhook(connection, webhook)


def _register_admin_webhook(connection: JiraConnection, webhook: JiraWebhook) -> JiraWebhook:
    jql = jql_filter(connection)
    spec = {
        "name": f"Pensero ({connection.workspace.name})"[:200],
        "url": receiver_url(webhook),
        "events": ADMIN_EVENTS,
        "jql": jql,
        "secret": webhook.secret.reveal(),
    }
    try:
        with _client(connection) as client:
            webhook_id = webhook.admin_webhook_id
            if webhook_id:
                try:
                    client.update_admin_webhook(webhook_id, **spec)
                except JiraNotFoundError:
                    webhook_id = ""  # deleted in Jira meanwhile: register it again
            if not webhook_id:
                webhook_id = client.register_admin_webhook(**spec)
    except JiraForbiddenError:
        # The card says so from now on (and hides the button): no error to keep.
        webhook.account_is_admin = False
        webhook.save(update_fields=["account_is_admin", "updated_at"])
        raise WebhookSetupFailed(
            f"Jira refused: {connection.email or 'the connected account'} isn't a Jira admin. "
            "Ask an admin to add the webhook in Jira (System → WebHooks) with the details below."
        ) from None
    except JiraAuthError:
        raise _failed(
            webhook, "Jira rejected the connection's credentials; fix them above first."
        ) from None
    except JiraError as error:
        raise _failed(webhook, f"Jira didn't register the webhook: {error.message}") from None
    _registered(webhook, jql, admin_webhook_id=webhook_id, account_is_admin=True)
    return webhook


# -- dynamic webhooks (OAuth connections) ----------------------------------------------------


def _projects_jql(keys) -> str:
    return projects_in(sorted(keys)) if keys else ""


def _known_dynamic_jql(connection: JiraConnection) -> str:
    """Dynamic webhooks need a filter: the listed projects, else every one the account sees
    (as the last sync found them); blank when not known yet."""
    return _projects_jql(
        connection.project_key_list
        or JiraProject.objects.filter(connection=connection, accessible=True).values_list(
            "key", flat=True
        )
    )


def _dynamic_jql(connection: JiraConnection, client) -> str:
    jql = _known_dynamic_jql(connection) or _projects_jql(
        str(p.get("key", "")).upper() for p in client.search_projects() if p.get("key")
    )
    if not jql:
        raise JiraBadRequestError("The Jira account can't see any project to watch.")
    return jql


def register_dynamic_webhooks(connection: JiraConnection) -> JiraWebhook:
    """Register the OAuth connection's dynamic webhooks, then remove the app's earlier ones
    (in that order: no moment without a webhook)."""
    webhook = webhook_for(connection)
    if not connection.is_oauth or not connection.can_sync:
        raise WebhookSetupFailed("Only an active OAuth connection registers dynamic webhooks.")
    if not public_url_configured():
        raise _failed(webhook, NO_PUBLIC_URL)
    if not atlassian.is_configured():
        raise _failed(webhook, "The installation's Atlassian OAuth app isn't configured.")
    if not has_webhook_scope(connection):
        raise _failed(
            webhook,
            f"This connection was authorised without the {WEBHOOK_SCOPE} permission: choose "
            "Reconnect to allow real-time updates.",
        )
    with _registering(connection) as webhook:
        try:
            with _client(connection) as client:
                jql = _dynamic_jql(connection, client)
                ids = client.register_dynamic_webhooks(
                    url=app_receiver_url(), events=EVENTS, jql=jql
                )[:MAX_DYNAMIC_IDS]
                old = [i for i in webhook.dynamic_webhook_ids or [] if i not in ids]
                if old:
                    try:
                        client.delete_dynamic_webhooks(old)
                    except JiraError as error:
                        # They expire within 30 days unless refreshed, which they won't be.
                        logger.info("Old webhooks of connection %s stay: %s", connection.pk, error)
        except JiraError as error:
            raise _failed(webhook, f"Jira didn't register the webhooks: {error.message}") from None
        _registered(
            webhook, jql, dynamic_webhook_ids=ids, expires_at=timezone.now() + DYNAMIC_LIFETIME
        )
    return webhook


def refresh_dynamic_webhooks(connection: JiraConnection) -> JiraWebhook:
    """Extend the dynamic webhooks another 30 days; registers them again if Jira lost them
    (expired webhooks are deleted, and refreshing an unknown id is silently ignored)."""
    webhook = webhook_for(connection)
    if not webhook.dynamic_webhook_ids:
        return register_dynamic_webhooks(connection)
    try:
        with _client(connection) as client:
            live = {w.get("id") for w in client.dynamic_webhooks()}
            if not set(webhook.dynamic_webhook_ids) <= live:
                expiration = None
            else:
                expiration = client.refresh_dynamic_webhooks(webhook.dynamic_webhook_ids)
    except JiraError as error:
        raise _failed(webhook, f"Jira didn't refresh the webhooks: {error.message}") from None
    if expiration is None:
        return register_dynamic_webhooks(connection)
    webhook.expires_at = parse_jira_datetime(expiration) or timezone.now() + DYNAMIC_LIFETIME
    webhook.last_error = ""
    webhook.last_error_at = None
    webhook.save(update_fields=["expires_at", "last_error", "last_error_at", "updated_at"])
    return webhook


# -- both ------------------------------------------------------------------------------------


def unregister(connection: JiraConnection) -> None:
    """Best effort: remove the app's registrations from Jira (before credentials are dropped)."""
    webhook = JiraWebhook.objects.filter(connection=connection).first()
    if webhook is None or not webhook.is_registered or not connection.can_sync:
        return
    try:
        with _client(connection) as client:
            if webhook.admin_webhook_id:
                client.delete_admin_webhook(webhook.admin_webhook_id)
            if webhook.dynamic_webhook_ids:
                client.delete_dynamic_webhooks(webhook.dynamic_webhook_ids)
    except JiraError as error:
        logger.info("Webhooks of connection %s not removed from Jira: %s", connection.pk, error)
    webhook.admin_webhook_id = ""
    webhook.dynamic_webhook_ids = []
    webhook.expires_at = None
    webhook.registered_jql = ""
    webhook.save()


def set_up(connection: JiraConnection) -> str:
    """What can be done without an admin's click, after connecting or a change of projects.

    OAuth: register the dynamic webhooks (again, when the projects changed). API token:
    learn whether the account is a Jira admin, and give a webhook the app registered
    the new projects.
    """
    connection.refresh_from_db()
    if not connection.can_sync or not public_url_configured():
        return "skipped: the connection can't sync, or PUBLIC_BASE_URL is unset"
    webhook = webhook_for(connection)
    try:
        if connection.is_oauth:
            register_dynamic_webhooks(connection)
            return "dynamic webhooks registered"
        check_admin(connection)
        if _admin_webhook_filter_kept_current(connection, webhook):
            return "admin webhook updated"
    except WebhookSetupFailed as failure:
        return f"failed: {failure.message}"
    return "admin rights checked"


def look_after(connection: JiraConnection) -> str:
    """The daily check: dynamic webhooks refreshed before they expire, gaps filled."""
    webhook = webhook_for(connection)
    try:
        if connection.is_oauth:
            due = webhook.expires_at is None or webhook.expires_at - timezone.now() < (
                REFRESH_WHEN_LEFT
            )
            known_jql = _known_dynamic_jql(connection)
            if not webhook.dynamic_webhook_ids or (
                known_jql and known_jql != webhook.registered_jql
            ):
                register_dynamic_webhooks(connection)
                return "registered"
            if due:
                refresh_dynamic_webhooks(connection)
                return "refreshed"
            return "fresh"
        if webhook.account_is_admin is None:
            check_admin(connection)
        if _admin_webhook_filter_kept_current(connection, webhook):
            return "updated"
    except WebhookSetupFailed as failure:
        return f"failed: {failure.message}"
    return "ok"


def _admin_webhook_filter_kept_current(connection: JiraConnection, webhook) -> bool:
    """Register the app's admin webhook again if the projects changed; whether it was."""
    if webhook.admin_webhook_id and webhook.registered_jql != jql_filter(connection):
        register_admin_webhook(connection)
        return True
    return False
