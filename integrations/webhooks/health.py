"""How real-time updates are doing, for the Manage page's card."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Sum
from django.utils import timezone

from integrations.models import JiraWebhook, SyncRun, WebhookEvent

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class WebhookHealth:
    last_event_at: datetime | None
    events_last_day: int
    # Issues the scheduled sync found changed in the same 24 hours: with webhooks working
    # they were stored already, so the sync finds (almost) none.
    sync_changes_last_day: int
    expected: bool

    @property
    def silent(self) -> bool:
        """Webhooks were set up, yet none arrived while the sync found changes."""
        return self.expected and self.events_last_day == 0 and self.sync_changes_last_day > 0


def webhook_health(webhook: JiraWebhook) -> WebhookHealth:
    since = timezone.now() - WINDOW
    events = WebhookEvent.objects.filter(
        connection_id=webhook.connection_id, received_at__gte=since
    ).count()
    changes = SyncRun.objects.filter(
        connection_id=webhook.connection_id,
        kind=SyncRun.Kind.INCREMENTAL,
        started_at__gte=since,
    ).aggregate(total=Sum(F("issues_created") + F("issues_updated")))["total"]
    return WebhookHealth(
        last_event_at=webhook.last_event_at,
        events_last_day=events,
        sync_changes_last_day=changes or 0,
        expected=webhook.is_registered or webhook.last_event_at is not None,
    )
