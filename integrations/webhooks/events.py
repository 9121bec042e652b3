"""A verified delivery, parsed and stored once: Jira retries deliveries with the same identifier.

Only what processing needs is kept (the event, the issue id, when it happened): the
payload is a hint of what changed, the API stays the source of truth.
https://developer.atlassian.com/cloud/jira/platform/webhooks/#webhook-payload
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import JiraConnection, WebhookEvent

ISSUE_DELETED = "jira:issue_deleted"
# What the app asks Jira to send (and an admin to tick in System → WebHooks).
EVENTS = [
    "jira:issue_created",
    "jira:issue_updated",
    ISSUE_DELETED,
    "comment_created",
    "comment_updated",
    "comment_deleted",
]
_IDENTIFIER_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}\Z")
_EVENT_RE = re.compile(r"[A-Za-z0-9_:.-]{1,64}\Z")
_ISSUE_ID_RE = re.compile(r"[0-9]{1,18}\Z")


class BadDelivery(ValueError):
    """The body is not a Jira webhook payload."""


@dataclass(frozen=True)
class Delivery:
    identifier: str
    event: str
    issue_jira_id: int | None
    occurred_at: datetime | None


def parse_delivery(body: bytes, identifier: str | None) -> Delivery:
    """The parts of a delivery processing needs; BadDelivery if it isn't a webhook payload.

    Without an X-Atlassian-Webhook-Identifier (Jira always sends one) the body's hash
    stands in for it: a retry sends the same body.
    """
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadDelivery("not JSON") from None
    if not isinstance(payload, dict):
        raise BadDelivery("not a JSON object")
    event = payload.get("webhookEvent")
    if not isinstance(event, str) or not _EVENT_RE.match(event):
        raise BadDelivery("no webhookEvent")
    issue = payload.get("issue")
    issue_id = str(issue.get("id", "")) if isinstance(issue, dict) else ""
    timestamp = payload.get("timestamp")
    occurred_at = None
    if isinstance(timestamp, int) and not isinstance(timestamp, bool) and timestamp > 0:
        try:
            occurred_at = datetime.fromtimestamp(timestamp / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            occurred_at = None
    identifier = (identifier or "").strip()
    if not _IDENTIFIER_RE.match(identifier):
        identifier = "sha256:" + hashlib.sha256(body).hexdigest()[:64]
    return Delivery(
        identifier=identifier,
        event=event,
        issue_jira_id=int(issue_id) if _ISSUE_ID_RE.match(issue_id) else None,
        occurred_at=occurred_at,
    )


def record_delivery(connections: list[JiraConnection], delivery: Delivery) -> list[int]:
    """Store the delivery for each connection; returns the ids of those it was new for."""
    new = []
    now = timezone.now()
    for connection in connections:
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(
                    connection=connection,
                    identifier=delivery.identifier,
                    event=delivery.event,
                    issue_jira_id=delivery.issue_jira_id,
                    occurred_at=delivery.occurred_at,
                    received_at=now,
                )
        except IntegrityError:
            continue  # a retry of a delivery already received
        new.append(connection.pk)
    return new
