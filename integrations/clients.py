"""A Jira client for a connection: its site's address, credentials, limits and pacing.

The one place that turns a stored connection into a `JiraClient`; the credentials are
decrypted here and live only inside the client's session.
"""

from django.conf import settings

from integrations.jira.client import JiraClient
from integrations.jira.errors import JiraError
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


class SiteUrlChanged(JiraError):
    """The connection was made for another address than this server's settings build for it.

    Raised before anything is sent: the credentials were given for the other address (the
    demo's for the simulator, say) and must not go to this one. Reconnecting records the
    new address.
    """

    def __init__(self, *, made_for: str, would_use: str):
        super().__init__(
            f"This connection was made for {made_for}; this server would send its "
            f"credentials to {would_use}. Reconnect it to use it here.",
            reason="site URL changed",
        )
        self.made_for = made_for
        self.would_use = would_use


def site_url_for(connection: JiraConnection) -> str:
    """The base URL this server's settings build for `connection` (not checked against
    the one it was made for: see `checked_site_url`)."""
    if connection.is_oauth:
        return cloud_base_url(connection.cloud_id)
    return site_base_url(connection.subdomain)


def checked_site_url(connection: JiraConnection) -> str:
    """The base URL for `connection`; SiteUrlChanged if it was made for another one.

    A blank `site_url` (a connection made before it was recorded) is not checked.
    """
    base_url = site_url_for(connection)
    if connection.site_url and connection.site_url.rstrip("/") != base_url:
        raise SiteUrlChanged(made_for=connection.site_url, would_use=base_url)
    return base_url


def client_for(connection: JiraConnection, **options) -> JiraClient:
    """A client for `connection`'s site, with its decrypted credentials inside the session only.

    An OAuth connection's client goes through api.atlassian.com/ex/jira/{cloudId} with a
    bearer token that is refreshed (and rotated) shortly before it expires. SiteUrlChanged
    when the connection was made for another address than the settings now build.
    """
    options.setdefault("limits", jira_limits())
    base_url = checked_site_url(connection)
    if connection.is_oauth:
        return JiraClient(
            base_url=base_url,
            access_token=AccessTokenSource(connection.pk),
            pacer=pacer_for(base_url),
            points=oauth_points_quota(),
            **options,
        )
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
