"""A verified delivery, parsed and stored once: Jira retries deliveries with the same identifier.

Only what processing needs is kept (the event, the issues and sprint it names, when it
happened): the
payload is a hint of what changed, the API stays the source of truth.
https://developer.atlassian.com/cloud/jira/platform/webhooks/#webhook-payload
"""

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import JiraConnection, WebhookEvent

ISSUE_DELETED = "jira:issue_deleted"
# An admin webhook set to "Exclude body" posts nothing: what changed is unknown.
NO_BODY = "no_body"
SPRINT_EVENTS = ("sprint_started", "sprint_closed", "sprint_updated")
PROJECT_DELETED = "project_deleted"
# What the app asks Jira to send for dynamic webhooks (their events are limited to these).
EVENTS = [
    "jira:issue_created",
    "jira:issue_updated",
    ISSUE_DELETED,
    "comment_created",
    "comment_updated",
    "comment_deleted",
]
# What an admin webhook is set up with (registered by the app or ticked by an admin in
# System → WebHooks): sprint and project events too. Any other event is accepted and, if
# it names an issue, makes the app read that issue again.
ADMIN_EVENTS = [*EVENTS, *SPRINT_EVENTS, PROJECT_DELETED]
_IDENTIFIER_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}\Z")
_EVENT_RE = re.compile(r"[A-Za-z0-9_:.-]{1,64}\Z")
_JIRA_ID_RE = re.compile(r"[0-9]{1,18}\Z")
# A comment's `self` URL names its issue: Server and Data Center comment events carry no
# `issue` (…/rest/api/2/issue/10010/comment/10000).
_COMMENT_ISSUE_RE = re.compile(r"/issue/([0-9]{1,18})/comment/")
# At most this many issue ids are kept from one delivery (a link names two).
MAX_ISSUES_PER_DELIVERY = 10


class BadDelivery(ValueError):
    """The body is not a Jira webhook payload."""


@dataclass(frozen=True)
class Delivery:
    identifier: str
    event: str
    # Every issue the delivery names: the issue, a comment's, both ends of a link, a worklog's.
    issue_jira_ids: tuple[int, ...]
    # The sprint of a sprint event.
    sprint_jira_id: int | None
    occurred_at: datetime | None
    # A dynamic webhook's delivery says which of the app's webhooks matched.
    matched_webhook_ids: tuple[str, ...] = ()


def _jira_id(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    text = str(value).strip()
    return int(text) if _JIRA_ID_RE.match(text) else None


def _part(payload: dict, name: str) -> dict:
    value = payload.get(name)
    return value if isinstance(value, dict) else {}


def _issue_ids(payload: dict) -> tuple[int, ...]:
    """Every issue the payload names, wherever real Jira puts it, in order, once each."""
    candidates = [_part(payload, "issue").get("id")]
    comment_self = _part(payload, "comment").get("self")
    if isinstance(comment_self, str):
        match = _COMMENT_ISSUE_RE.search(comment_self)
        candidates.append(match.group(1) if match else None)
    link = _part(payload, "issueLink")
    candidates += [link.get("sourceIssueId"), link.get("destinationIssueId")]
    candidates.append(_part(payload, "worklog").get("issueId"))
    ids = []
    for candidate in candidates:
        jira_id = _jira_id(candidate)
        if jira_id is not None and jira_id not in ids:
            ids.append(jira_id)
    return tuple(ids[:MAX_ISSUES_PER_DELIVERY])


def _matched_webhook_ids(payload: dict) -> tuple[str, ...]:
    matched = payload.get("matchedWebhookIds")
    if not isinstance(matched, list):
        return ()
    return tuple(str(_jira_id(i)) for i in matched[:MAX_ISSUES_PER_DELIVERY] if _jira_id(i))


def _occurred_at(payload: dict) -> datetime | None:
    timestamp = payload.get("timestamp")
    if isinstance(timestamp, int) and not isinstance(timestamp, bool) and timestamp > 0:
        try:
            return datetime.fromtimestamp(timestamp / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def parse_delivery(body: bytes, identifier: str | None) -> Delivery:
    """The parts of a delivery processing needs; BadDelivery if it isn't a webhook payload.

    Without an X-Atlassian-Webhook-Identifier (Jira always sends one) the body's hash
    stands in for it: a retry sends the same body. An empty body (an admin webhook set to
    exclude it) is a NO_BODY event; it is only ever parsed after the signature checked out.
    """
    identifier = (identifier or "").strip()
    if not body.strip():
        if not _IDENTIFIER_RE.match(identifier):
            # Every empty body hashes alike: only a random id keeps two changes apart.
            identifier = "nobody:" + uuid.uuid4().hex
        return Delivery(identifier, NO_BODY, (), None, None)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: a body nested deeper than the parser goes.
        raise BadDelivery("not JSON") from None
    if not isinstance(payload, dict):
        raise BadDelivery("not a JSON object")
    event = payload.get("webhookEvent")
    if not isinstance(event, str) or not _EVENT_RE.match(event):
        raise BadDelivery("no webhookEvent")
    if not _IDENTIFIER_RE.match(identifier):
        identifier = "sha256:" + hashlib.sha256(body).hexdigest()[:64]
    sprint_id = _jira_id(_part(payload, "sprint").get("id")) if event in SPRINT_EVENTS else None
    return Delivery(
        identifier=identifier,
        event=event,
        issue_jira_ids=_issue_ids(payload),
        sprint_jira_id=sprint_id,
        occurred_at=_occurred_at(payload),
        matched_webhook_ids=_matched_webhook_ids(payload),
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
                    issue_jira_ids=list(delivery.issue_jira_ids),
                    sprint_jira_id=delivery.sprint_jira_id,
                    occurred_at=delivery.occurred_at,
                    received_at=now,
                )
        except IntegrityError:
            continue  # a retry of a delivery already received
        new.append(connection.pk)
    return new
