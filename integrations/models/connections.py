"""Jira connections (one per connected site) and the record of their sync runs."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from integrations.models.grants import AtlassianGrant
from pensero.encryption import EncryptedSecretField
from pensero.models import Workspace


class JiraConnection(models.Model):
    """One Jira Cloud site connected to a workspace."""

    class AuthType(models.TextChoices):
        API_TOKEN = "api_token", "API token"
        OAUTH = "oauth", "OAuth (Atlassian)"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        NEEDS_ATTENTION = "needs_attention", "Needs attention"
        DISCONNECTED = "disconnected", "Disconnected"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="jira_connections"
    )
    auth_type = models.CharField(
        "connection type", max_length=20, choices=AuthType.choices, default=AuthType.API_TOKEN
    )
    subdomain = models.CharField(
        max_length=63, help_text="The site label: acme for acme.atlassian.net."
    )
    # Atlassian's id of the site; OAuth connections reach Jira through it
    # (api.atlassian.com/ex/jira/{cloud_id}).
    cloud_id = models.CharField(
        max_length=64,
        blank=True,
        validators=[RegexValidator(r"\A[A-Za-z0-9-]{1,64}\Z", "Not an Atlassian cloud id.")],
    )
    email = models.EmailField(blank=True)
    api_token = EncryptedSecretField(null=True, blank=True)
    # Shown on the Manage page so an admin can tell which token is set.
    api_token_hint = models.CharField(max_length=8, blank=True)
    api_token_set_at = models.DateTimeField(null=True, blank=True)

    # OAuth 2.0 (3LO): the consent whose tokens the connection uses, shared with the other
    # sites picked from it. Set only by integrations/oauth (connect, Reconnect, Disconnect):
    # a save of a copy loaded before a Reconnect would point back at the grant it left
    # (see save_keeping_grant).
    grant = models.ForeignKey(
        AtlassianGrant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="connections",
        verbose_name="Atlassian grant",
    )
    # The base URL the connection's requests went to when it was made. A server whose
    # settings build another one for it refuses to use it (clients.client_for), so the
    # demo's credentials and data never meet a real site. Blank: not recorded yet (made
    # before this was kept); the next successful sync records it.
    site_url = models.CharField("site URL", max_length=300, blank=True)
    # Comma-separated project keys; empty means every project the account can see.
    project_keys = models.CharField(max_length=1000, blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    # What the last credential check learned about the Jira account.
    jira_account_id = models.CharField(max_length=128, blank=True)
    jira_time_zone = models.CharField(max_length=64, blank=True)
    # Per-site custom fields, detected from /rest/api/3/field at every sync.
    # Story points: every estimation field, [{"id", "name"}] in the order values are read.
    estimation_fields = models.JSONField(default=list, blank=True)
    # The admin's choice of one of them; blank reads the first non-empty of all.
    story_points_field = models.CharField(
        "story points field",
        max_length=64,
        blank=True,
        help_text="Blank: the first non-empty of the site's story-point fields.",
    )
    development_field = models.CharField(max_length=64, blank=True)
    # Jira Software's Sprint field (found by its schema); blank on sites without it.
    sprint_field = models.CharField(max_length=64, blank=True)
    # The site's resolutions [{"id", "name"}], from /rest/api/3/resolution/search.
    resolutions = models.JSONField(default=list, blank=True)
    # The version of the derived delivery facts the stored issues were computed with;
    # an older one makes the next sync a full one, which recomputes them.
    facts_version = models.PositiveSmallIntegerField(default=0)

    # Incremental sync: the start of the last successful run.
    sync_watermark = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # When a sync was last queued: until a worker starts it, pages show it as queued.
    sync_requested_at = models.DateTimeField(null=True, blank=True)
    last_census_at = models.DateTimeField(null=True, blank=True)
    # When a sync last read every issue's remote links (the weekly check that catches links
    # made without a changelog record; the first sync starts the clock): sync/remote_links.py.
    remote_links_checked_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "subdomain"], name="one_connection_per_site_per_workspace"
            )
        ]
        ordering = ["subdomain"]

    def __str__(self):
        return f"{self.site_host} ({self.get_auth_type_display()})"

    def clean(self):
        if self.auth_type == self.AuthType.OAUTH and not self.cloud_id:
            raise ValidationError({"cloud_id": "An OAuth connection needs the site's cloud id."})

    def save_keeping_grant(self) -> None:
        """Save every field except `grant`, which only the OAuth code changes."""
        self.save(
            update_fields=[
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "grant"
            ]
        )

    @property
    def is_oauth(self) -> bool:
        return self.auth_type == self.AuthType.OAUTH

    @property
    def site_host(self) -> str:
        return f"{self.subdomain}.atlassian.net"

    @property
    def story_points_field_ids(self) -> list[str]:
        """The fields an issue's story points are read from, in order."""
        if self.story_points_field:
            return [self.story_points_field]
        return [f["id"] for f in self.estimation_fields if isinstance(f, dict) and f.get("id")]

    @property
    def estimation_fields_read(self) -> tuple[tuple[str, str], ...]:
        """(id, name) of ``story_points_field_ids``: the name matches changelog items
        without a fieldId."""
        names = {
            f["id"]: str(f.get("name") or "")
            for f in self.estimation_fields
            if isinstance(f, dict) and f.get("id")
        }
        return tuple(
            (field_id, names.get(field_id, "")) for field_id in self.story_points_field_ids
        )

    @property
    def project_key_list(self) -> list[str]:
        return [key for key in self.project_keys.split(",") if key]

    @property
    def needs_attention(self) -> bool:
        return self.status == self.Status.NEEDS_ATTENTION

    @property
    def is_disconnected(self) -> bool:
        return self.status == self.Status.DISCONNECTED

    @property
    def can_sync(self) -> bool:
        return self.status == self.Status.ACTIVE


class JiraProject(models.Model):
    """A Jira project seen on a connection, with whether the account can still read it."""

    connection = models.ForeignKey(
        JiraConnection, on_delete=models.CASCADE, related_name="projects"
    )
    key = models.CharField(max_length=32)
    jira_id = models.CharField(max_length=32, blank=True)
    name = models.CharField(max_length=255, blank=True)
    accessible = models.BooleanField(default=True)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "key"], name="one_project_row_per_key")
        ]
        ordering = ["key"]

    def __str__(self):
        return self.key


class SyncRun(models.Model):
    """One sync of one connection: what it did and how it ended."""

    class Kind(models.TextChoices):
        INCREMENTAL = "incremental", "Incremental"
        FULL = "full", "Full"
        CENSUS = "census", "Census"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Finished with errors"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Trigger(models.TextChoices):
        CONNECT = "connect", "First sync after connecting"
        MANUAL = "manual", "Sync now"
        SCHEDULE = "schedule", "Schedule"
        COMMAND = "command", "Command line"
        ADMIN = "admin", "Django admin"
        WEBHOOK = "webhook", "Real-time update"

    connection = models.ForeignKey(
        JiraConnection, on_delete=models.CASCADE, related_name="sync_runs"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INCREMENTAL)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.SCHEDULE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField()
    # Which process runs it: a run whose process is gone is failed at once
    # instead of waiting for its heartbeat to go stale.
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    issues_expected = models.PositiveIntegerField(null=True, blank=True)
    issues_seen = models.PositiveIntegerField(default=0)
    issues_created = models.PositiveIntegerField(default=0)
    issues_updated = models.PositiveIntegerField(default=0)
    issues_removed = models.PositiveIntegerField(default=0)
    requests_made = models.PositiveIntegerField(default=0)
    # Atlassian's points for this run's reads, estimated (1 per call + 1 per object): what
    # an OAuth connection spends of the app's hourly quota (integrations/jira/points.py).
    api_points = models.PositiveIntegerField("API points (estimate)", default=0)
    error = models.TextField(blank=True)
    # Problems that did not stop the run (a project lost, dev-status unavailable...).
    warnings = models.JSONField(default=list, blank=True)
    # When Jira paused the site for longer than a run may wait: the earliest time Jira
    # allows the next try, when the retry is scheduled.
    next_try_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # At most one running sync per connection, whatever the number of workers.
            models.UniqueConstraint(
                fields=["connection"],
                condition=Q(status="running"),
                name="one_running_sync_per_connection",
            )
        ]
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["connection", "-started_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} sync of {self.connection} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int | None:
        if not self.issues_expected:
            return None
        return min(100, round(100 * self.issues_seen / self.issues_expected))

    @property
    def requests_per_issue(self) -> float | None:
        return self.requests_made / self.issues_seen if self.issues_seen else None

    @property
    def is_running(self) -> bool:
        return self.status == self.Status.RUNNING
