"""The Manage page's Real-time updates card: what it shows, and its buttons (admins only)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from integrations.models import JiraConnection
from integrations.oauth import atlassian
from integrations.webhooks import setup
from integrations.webhooks.events import ADMIN_EVENTS, EVENTS
from integrations.webhooks.health import webhook_health
from pensero.access import get_workspace_object_or_404, workspace_admin_required

# The events as Jira's System → WebHooks form names them.
EVENT_LABELS = {
    "jira:issue_created": "Issue: created",
    "jira:issue_updated": "Issue: updated",
    "jira:issue_deleted": "Issue: deleted",
    "comment_created": "Comment: created",
    "comment_updated": "Comment: updated",
    "comment_deleted": "Comment: deleted",
    "sprint_started": "Sprint: started",
    "sprint_closed": "Sprint: closed",
    "sprint_updated": "Sprint: updated",
    "project_deleted": "Project: deleted",
}


def card_context(connection: JiraConnection) -> dict:
    """The card's context: never the secret itself (it is shown only on request)."""
    if connection.is_disconnected:
        return {"webhook": None}
    webhook = setup.webhook_for(connection)
    public = setup.public_url_configured()
    return {
        "webhook": webhook,
        "webhook_health": webhook_health(webhook),
        "public_url_configured": public,
        "webhook_url": (
            (setup.app_receiver_url() if connection.is_oauth else setup.receiver_url(webhook))
            if public
            else ""
        ),
        "webhook_jql": webhook.registered_jql
        if connection.is_oauth
        else setup.jql_filter(connection),
        "webhook_events": [
            EVENT_LABELS[event] for event in (EVENTS if connection.is_oauth else ADMIN_EVENTS)
        ],
        "webhook_scope_missing": connection.is_oauth and not setup.has_webhook_scope(connection),
        "oauth_app_configured": atlassian.is_configured(),
    }


def _connection(request, connection_id) -> JiraConnection:
    return get_workspace_object_or_404(
        request,
        JiraConnection.objects.exclude(status=JiraConnection.Status.DISCONNECTED),
        pk=connection_id,
    )


@never_cache
@workspace_admin_required
@require_POST
def show_secret(request, connection_id):
    """The one page that shows the secret (a POST, so it is never cached or prefetched)."""
    connection = _connection(request, connection_id)
    webhook = setup.webhook_for(connection)
    return render(
        request,
        "integrations/webhook_secret.html",
        {
            "connection": connection,
            "secret": webhook.secret.reveal(),
            "webhook_url": setup.receiver_url(webhook) if setup.public_url_configured() else "",
        },
    )


@workspace_admin_required
@require_POST
def rotate_secret(request, connection_id):
    connection = _connection(request, connection_id)
    try:
        webhook = setup.rotate_secret(connection)
    except setup.WebhookSetupFailed as failure:
        messages.error(request, f"The secret was replaced, but {failure.message}")
    else:
        if webhook.admin_webhook_id:
            messages.success(request, "Secret replaced; the webhook in Jira has the new one.")
        else:
            messages.success(
                request,
                "Secret replaced. Paste the new one into the webhook in Jira (System → WebHooks): "
                "until then Jira's deliveries are refused.",
            )
    return redirect("jira_manage", connection_id=connection.pk)


@workspace_admin_required
@require_POST
def register(request, connection_id):
    """Register it for me: the admin webhook (API token) or the dynamic webhooks (OAuth)."""
    connection = _connection(request, connection_id)
    try:
        if connection.is_oauth:
            setup.register_dynamic_webhooks(connection)
        else:
            setup.register_admin_webhook(connection)
    except setup.WebhookSetupFailed as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, "Registered in Jira: changes now arrive within seconds.")
    return redirect("jira_manage", connection_id=connection.pk)
