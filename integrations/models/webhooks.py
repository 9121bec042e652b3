"""Real-time updates: how Jira pushes a connection's changes, and the deliveries received."""

from django.db import models
from django.db.models import Q

from integrations.models.connections import JiraConnection
from pensero.encryption import EncryptedSecretField


class JiraWebhook(models.Model):
    """One connection's webhook set-up: its receiver URL, secret, registrations and health.

    API-token connections use an admin webhook (set up in Jira's System → WebHooks, or
    registered by the app when the account is a Jira admin), signed with `secret`.
    OAuth connections use dynamic webhooks the app registers itself; they are signed
    with the app's client secret and expire unless refreshed.
    """

    connection = models.OneToOneField(
        JiraConnection, on_delete=models.CASCADE, related_name="webhook"
    )
    # The receiver URL's last segment: unguessable, never the connection id.
    url_token = models.CharField(max_length=64, unique=True)
    # HMAC key of admin webhook deliveries (X-Hub-Signature); shown only on request.
    secret = EncryptedSecretField(null=True, blank=True)
    secret_set_at = models.DateTimeField(null=True, blank=True)
    # The secret before the last rotation: accepted for a short while after it
    # (integrations.webhooks.signatures.SECRET_GRACE), so deliveries Jira signed just
    # before the rotation aren't lost.
    previous_secret = EncryptedSecretField(null=True, blank=True)

    # Whether the connected Jira account may register admin webhooks (None: not known yet).
    account_is_admin = models.BooleanField(null=True, blank=True)
    # The admin webhook registered by the app (its id in Jira), when it was.
    admin_webhook_id = models.CharField(max_length=32, blank=True)
    # Ids of the dynamic webhooks registered by the app (OAuth), and when they expire.
    dynamic_webhook_ids = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    # The JQL filter registered: a change of the synced projects registers again.
    registered_jql = models.CharField(max_length=1000, blank=True)
    # Set while a registration talks to Jira: a second click meanwhile registers nothing.
    registering_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    last_event_at = models.DateTimeField(null=True, blank=True)
    # Set while a processing task is queued: deliveries meanwhile don't queue another.
    processing_requested_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Jira webhook"

    def __str__(self):
        return f"Webhooks of {self.connection}"

    @property
    def is_registered(self) -> bool:
        return bool(self.admin_webhook_id or self.dynamic_webhook_ids)


class WebhookEvent(models.Model):
    """One delivery from Jira, kept to deduplicate retries and to process changes in batches.

    Only what processing needs is stored: the payload is a hint of what changed, the
    API is the source of truth.
    """

    connection = models.ForeignKey(
        JiraConnection, on_delete=models.CASCADE, related_name="webhook_events"
    )
    # X-Atlassian-Webhook-Identifier: the same on every retry of a delivery.
    identifier = models.CharField(max_length=128)
    event = models.CharField(max_length=64)
    # Every issue the delivery names (integrations.webhooks.events reads them).
    issue_jira_ids = models.JSONField(default=list, blank=True)
    sprint_jira_id = models.BigIntegerField(null=True, blank=True)
    # The payload's `timestamp`: when the change happened in Jira.
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    # A processing task takes events by setting these (see integrations.webhooks.processing).
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "identifier"], name="one_event_per_delivery_identifier"
            )
        ]
        indexes = [
            models.Index(fields=["connection", "received_at"]),
            models.Index(
                fields=["connection", "received_at"],
                condition=Q(processed_at__isnull=True),
                name="webhook_events_pending",
            ),
        ]
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.event} ({self.identifier})"

    @property
    def is_delete(self) -> bool:
        return self.event == "jira:issue_deleted"
