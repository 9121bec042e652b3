"""A Jira client for a connection: its site's address, credentials, limits and pacing.

The one place that turns a stored connection into a `JiraClient`; the credentials are
decrypted here and live only inside the client's session.
"""

from django.conf import settings

from integrations.jira.client import JiraClient
from integrations.jira.sites import cloud_base_url, site_base_url
from integrations.jira.transport import MB, Limits
from integrations.models import JiraConnection
from integrations.oauth.tokens import AccessTokenSource
from integrations.site_budgets import oauth_points_quota, pacer_for


def jira_limits(*, deadline: float | None = None) -> Limits:
    """The bounds on every Jira response, from settings; `deadline` may only shorten it."""
    whole = settings.JIRA_RESPONSE_DEADLINE_SECONDS
    return Limits(
        connect_timeout=settings.JIRA_CONNECT_TIMEOUT_SECONDS,
        read_timeout=settings.JIRA_REQUEST_TIMEOUT_SECONDS,
        deadline=whole if deadline is None else min(whole, deadline),
        max_body_bytes=int(settings.JIRA_MAX_RESPONSE_MB * MB),
        timeout_retries=settings.JIRA_TIMEOUT_RETRIES,
    )


# The admin is waiting on the Connect and Manage forms: one attempt, answered quickly.
FORM_DEADLINE_SECONDS = 15.0
# ...and never held while Jira has paused the site: a longer pause is said at once.
FORM_MAX_WAIT_SECONDS = 2.0


def form_client_options(deadline: float = FORM_DEADLINE_SECONDS) -> dict:
    """A client's options for a request an admin waits on (a form, a button)."""
    return {"limits": jira_limits(deadline=deadline), "max_retry_after": FORM_MAX_WAIT_SECONDS}


def client_for(connection: JiraConnection, **options) -> JiraClient:
    """A client for `connection`'s site, with its decrypted credentials inside the session only.

    An OAuth connection's client goes through api.atlassian.com/ex/jira/{cloudId} with a
    bearer token that is refreshed (and rotated) shortly before it expires.
    """
    options.setdefault("limits", jira_limits())
    if connection.is_oauth:
        base_url = cloud_base_url(connection.cloud_id)
        return JiraClient(
            base_url=base_url,
            access_token=AccessTokenSource(connection.pk),
            pacer=pacer_for(base_url),
            points=oauth_points_quota(),
            **options,
        )
    base_url = site_base_url(connection.subdomain)
    return JiraClient(
        base_url=base_url,
        pacer=pacer_for(base_url),
        email=connection.email,
        api_token=connection.api_token.reveal() if connection.api_token else None,
        **options,
    )


def unreadable_credentials_message(connection: JiraConnection) -> str:
    """Why a connection's stored credentials can't be used, and the two ways out.

    They were encrypted with a key no longer in FIELD_ENCRYPTION_KEYS (a key was changed
    or removed before `rotate_encryption_keys` ran): nothing but that key reads them.
    """
    again = (
        "choose Reconnect to sign in with Atlassian again"
        if connection.is_oauth
        else "enter the API token again on this connection's Manage page"
    )
    return (
        "The stored credentials of this connection can't be decrypted: the server's "
        "encryption keys (FIELD_ENCRYPTION_KEYS) changed. Restore the old key to "
        f"FIELD_ENCRYPTION_KEYS, or {again}."
    )
