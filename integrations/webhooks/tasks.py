"""Background tasks of real-time updates. They take ids, never secrets."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from integrations.models import JiraConnection, WebhookEvent
from integrations.webhooks import processing, setup

# Deliveries are kept this long to recognise Jira's retries (which come within hours).
KEEP_EVENTS = timedelta(days=7)


def queue_set_up(connection: JiraConnection) -> None:
    """Set up the connection's webhooks in the background once the transaction commits."""
    if not setup.public_url_configured():
        return  # Jira couldn't reach the app: nothing to register
    connection_id = connection.pk
    transaction.on_commit(
        lambda: async_task(
            "integrations.webhooks.tasks.set_up_webhooks_task",
            connection_id,
            task_name=f"jira-webhooks-setup-{connection_id}",
        )
    )


def process_webhook_events_task(connection_id: int) -> str:
    return processing.process_pending_events(connection_id)


def set_up_webhooks_task(connection_id: int) -> str:
    connection = JiraConnection.objects.filter(pk=connection_id).first()
    if connection is None:
        return "skipped: connection gone"
    return setup.set_up(connection)


def look_after_webhooks_task() -> str:
    """Daily: refresh dynamic webhooks before they expire, fill gaps, forget old deliveries."""
    WebhookEvent.objects.filter(received_at__lt=timezone.now() - KEEP_EVENTS).delete()
    if not setup.public_url_configured():
        return "PUBLIC_BASE_URL is unset: nothing to look after"
    outcomes = []
    for connection in JiraConnection.objects.filter(status=JiraConnection.Status.ACTIVE):
        outcomes.append(f"{connection.pk}: {setup.look_after(connection)}")
    return "; ".join(outcomes) or "no active connection"
