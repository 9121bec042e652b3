"""Services of the Jira integration: connecting, updating and disconnecting sites, and
asking for a sync. The domain logic behind the Settings pages, the admin and the tasks."""

import enum
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from integrations.clients import (
    SiteUrlChanged,
    checked_site_url,
    client_for,
    form_client_options,
    site_url_for,
    unreadable_credentials_message,
)
from integrations.jira.client import JiraClient
from integrations.jira.errors import (
    JiraAuthError,
    JiraError,
    JiraForbiddenError,
    JiraNotFoundError,
    JiraRateLimitedError,
    wait_phrase,
)
from integrations.jira.sites import site_base_url, site_display_host
from integrations.models import JiraConnection, Person, SyncRun
from integrations.oauth.grants import forget_unused_grants, release_grant
from integrations.projects import remember_visible_projects
from integrations.site_budgets import pacer_for
from integrations.sync.claims import active_run, cancel_running
from integrations.tasks import queue_sync
from integrations.webhooks.tasks import queue_set_up
from pensero.encryption import Secret, SecretDecryptionError

logger = logging.getLogger(__name__)


class CredentialCheckFailed(Exception):
    """Jira did not accept the connection details; `message` is for the admin, `field` the form field."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class VerifiedAccount:
    account_id: str
    display_name: str
    time_zone: str
    projects: tuple[dict, ...]


def check_api_token(
    *, subdomain: str, email: str, api_token: str, project_keys: list[str]
) -> VerifiedAccount:
    """Ask Jira whether these credentials work and see the listed projects.

    One attempt per request and a short deadline: the admin is waiting on the form.
    """
    base_url = site_base_url(subdomain)
    client = JiraClient(
        base_url=base_url,
        email=email,
        api_token=api_token,
        pacer=pacer_for(base_url),
        max_attempts=1,
        **form_client_options(),
    )
    return _check_account(
        client,
        host=site_display_host(subdomain),
        project_keys=project_keys,
        rejected=CredentialCheckFailed(
            "Jira rejected this email and API token. Check that the email is the one of the "
            "Atlassian account that created the token, and that the token hasn't expired.",
            field="api_token",
        ),
    )


def check_oauth_connection(
    *, connection: JiraConnection, project_keys: list[str]
) -> VerifiedAccount:
    """The same check for an OAuth connection, with its (refreshed if need be) token."""
    try:
        client = client_for(connection, max_attempts=1, **form_client_options())
    except SiteUrlChanged as error:
        raise CredentialCheckFailed(error.message) from None
    try:
        return _check_account(
            client,
            host=connection.site_host,
            project_keys=project_keys,
            rejected=CredentialCheckFailed(
                "Atlassian no longer accepts this connection's authorization. Choose Reconnect "
                "to sign in with Atlassian again."
            ),
        )
    except SecretDecryptionError:  # its tokens are decrypted when the first request needs one
        raise CredentialCheckFailed(unreadable_credentials_message(connection)) from None


def _check_account(
    client: JiraClient, *, host: str, project_keys: list[str], rejected: CredentialCheckFailed
) -> VerifiedAccount:
    try:
        with client:
            myself = client.myself()
            projects = client.search_projects(project_keys) if project_keys else []
    except (JiraAuthError, JiraForbiddenError):
        raise rejected from None
    except JiraNotFoundError:
        raise CredentialCheckFailed(
            f"No Jira Cloud site answered at {host}. Check the site name.", field="subdomain"
        ) from None
    except JiraRateLimitedError as error:
        wait = f" for {wait_phrase(error.retry_after)}" if error.retry_after else ""
        raise CredentialCheckFailed(
            f"{host} is rate-limiting this app: Jira asked it to wait{wait} before sending "
            "more requests. Try again then; nothing was saved."
        ) from None
    except JiraError as error:
        logger.info("Credential check for %s failed: %s", host, error)
        raise CredentialCheckFailed(f"Couldn't reach {host}, try again.") from None
    visible = {project.get("key", "").upper() for project in projects}
    missing = [key for key in project_keys if key not in visible]
    if missing:
        raise CredentialCheckFailed(
            f"This Jira account can't see {'project' if len(missing) == 1 else 'projects'} "
            f"{', '.join(missing)}. Check the {'key' if len(missing) == 1 else 'keys'}, or give "
            "the account access in Jira (project settings → Access); the app can only sync "
            "projects the account can browse.",
            field="projects",
        )
    return VerifiedAccount(
        account_id=str(myself.get("accountId", "")),
        display_name=str(myself.get("displayName", "")),
        time_zone=str(myself.get("timeZone", "") or ""),
        projects=tuple(projects),
    )


def _set_api_token(connection: JiraConnection, api_token: str) -> None:
    connection.api_token = Secret(api_token)
    connection.api_token_hint = api_token[-4:] if len(api_token) >= 12 else ""
    connection.api_token_set_at = timezone.now()


def jira_connection_create(
    *, workspace, subdomain: str, email: str, api_token: str, project_keys: list[str]
) -> JiraConnection:
    """Check the credentials with Jira, save the connection and queue its first sync."""
    # The check runs outside the transaction: on SQLite a transaction holds the database's
    # write lock from its start, and nothing may wait on Jira while holding it.
    account = check_api_token(
        subdomain=subdomain, email=email, api_token=api_token, project_keys=project_keys
    )
    with transaction.atomic():
        # A site disconnected earlier (its synced data kept) is connected again in place.
        connection = JiraConnection.objects.filter(
            workspace=workspace, subdomain=subdomain, status=JiraConnection.Status.DISCONNECTED
        ).first() or JiraConnection(workspace=workspace, subdomain=subdomain)
        connection.auth_type = JiraConnection.AuthType.API_TOKEN
        connection.email = email
        connection.project_keys = ",".join(project_keys)
        connection.jira_account_id = account.account_id
        connection.jira_time_zone = account.time_zone
        connection.status = JiraConnection.Status.ACTIVE
        connection.last_error = ""
        connection.site_url = site_base_url(subdomain)
        _set_api_token(connection, api_token)
        connection.full_clean()
        connection.save()
        remember_visible_projects(connection, account.projects)
        queue_sync(connection, trigger=SyncRun.Trigger.CONNECT)
        return connection


def jira_connection_update(
    *, connection: JiraConnection, email: str, api_token: str | None, project_keys: list[str]
) -> JiraConnection:
    """Apply the Manage form. A blank `api_token` keeps the stored one.

    Credentials or projects that changed are checked with Jira first, exactly as
    when connecting. A connection that needed attention becomes active again once the
    check passes (an OAuth one whose grant was revoked fails it: Reconnect fixes that).
    """
    # The check runs outside the transaction: an OAuth token refresh commits on its own.
    if connection.is_oauth:
        account = check_oauth_connection(connection=connection, project_keys=project_keys)
    else:
        if not api_token:
            # The stored token was given for the site URL the connection was made for.
            try:
                checked_site_url(connection)
            except SiteUrlChanged as error:
                raise CredentialCheckFailed(
                    f"{error.message} Enter the API token again to check it with "
                    f"{error.would_use}.",
                    field="api_token",
                ) from None
        try:
            token = api_token or (connection.api_token.reveal() if connection.api_token else "")
        except SecretDecryptionError:
            raise CredentialCheckFailed(
                "The stored API token can't be decrypted: the server's encryption keys "
                "(FIELD_ENCRYPTION_KEYS) changed. Enter the API token again.",
                field="api_token",
            ) from None
        account = check_api_token(
            subdomain=connection.subdomain, email=email, api_token=token, project_keys=project_keys
        )
    # Webhooks filter on the projects and are registered with the credentials: set them up
    # again when either changed, or once the connection works again. Saving the page
    # unchanged leaves them as they are (an OAuth site's would be registered anew).
    webhooks_affected = (
        project_keys != connection.project_key_list
        or connection.status != JiraConnection.Status.ACTIVE
        or (not connection.is_oauth and (bool(api_token) or email != connection.email))
    )
    with transaction.atomic():
        if not connection.is_oauth:
            connection.email = email
            if api_token:
                _set_api_token(connection, api_token)
        connection.project_keys = ",".join(project_keys)
        connection.jira_account_id = account.account_id
        connection.jira_time_zone = account.time_zone
        connection.status = JiraConnection.Status.ACTIVE
        connection.last_error = ""
        # The address the check just reached: the credentials are for it.
        connection.site_url = site_url_for(connection)
        connection.full_clean()
        # Never the grant: a Reconnect may have moved the connection to a new one meanwhile.
        connection.save_keeping_grant()
        remember_visible_projects(connection, account.projects)
        if webhooks_affected:
            queue_set_up(connection)
    return connection


def jira_connection_set_story_points_field(*, connection: JiraConnection, field_id: str) -> bool:
    """Read story points from one estimation field ("" for the first with a value).

    Returns whether it changed. The stored points were read the old way, so the next
    sync of the connection is a full one that reads every issue again.
    """
    if field_id == connection.story_points_field:
        return False  # kept even when the site no longer lists it
    known = {f.get("id") for f in connection.estimation_fields if isinstance(f, dict)}
    if field_id and field_id not in known:
        raise ValueError("not an estimation field of this site")
    JiraConnection.objects.filter(pk=connection.pk).update(
        story_points_field=field_id, facts_version=0
    )
    connection.story_points_field, connection.facts_version = field_id, 0
    return True


class SyncRequest(enum.Enum):
    """What asking for a sync did."""

    QUEUED = "queued"
    ALREADY_RUNNING = "already running"
    CANNOT_SYNC = "cannot sync"  # disconnected, or needs attention


def sync_request(*, connection: JiraConnection, trigger: SyncRun.Trigger) -> SyncRequest:
    """Queue a sync of `connection`, unless one is running or the connection can't sync.

    The one place that decides (the Manage page's Sync now and the admin's action ask it).
    """
    if not connection.can_sync:
        return SyncRequest.CANNOT_SYNC
    if active_run(connection):
        return SyncRequest.ALREADY_RUNNING
    queue_sync(connection, trigger=trigger)
    return SyncRequest.QUEUED


@transaction.atomic
def jira_connection_disconnect(*, connection: JiraConnection, delete_data: bool) -> None:
    """Forget the credentials. With `delete_data`, also delete everything synced from the site.

    Without it, the synced issues stay in reports; the connection row is kept
    (without secrets) so they still know their site. A running sync is cancelled: it
    sees that within a second and sends nothing more to Jira.
    """
    cancel_running(connection)
    if delete_data:
        workspace = connection.workspace
        connection.delete()
        forget_unused_grants([connection.grant_id])
        # People who no longer have an account on any connected site.
        Person.objects.filter(workspace=workspace, jira_users__isnull=True).delete()
        return
    connection.api_token = None
    connection.api_token_hint = ""
    connection.api_token_set_at = None
    release_grant(connection)
    connection.status = JiraConnection.Status.DISCONNECTED
    connection.last_error = ""
    connection.save()
