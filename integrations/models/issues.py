"""Synced Jira data: people, issues, and what hangs off an issue.

Metadata only: nothing here holds source code.
"""

from django.db import models

from integrations.jira.fields import BOT_ACCOUNT_TYPES
from integrations.jira.links import document_kind_label
from integrations.jira.sites import issue_browse_url
from integrations.models.connections import JiraConnection
from pensero.models import Workspace


class Person(models.Model):
    """A contributor of a workspace. The same email on several Jira sites is one person."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="people")
    display_name = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email"],
                condition=~models.Q(email=""),
                name="one_person_per_email_per_workspace",
            )
        ]
        ordering = ["display_name"]

    def __str__(self):
        return self.display_name or self.email or f"Person {self.pk}"


class JiraUser(models.Model):
    """A Jira account on one site (creator, reporter, assignee, comment author)."""

    connection = models.ForeignKey(JiraConnection, on_delete=models.CASCADE, related_name="users")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="jira_users")
    account_id = models.CharField(max_length=128)
    display_name = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True)
    active = models.BooleanField(default=True)
    # "atlassian" for people; "app" (integrations, automation) and "customer" (service
    # desk) accounts are not contributors: see BOT_ACCOUNT_TYPES.
    account_type = models.CharField(max_length=20, default="atlassian")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "account_id"], name="one_jira_user_per_account"
            )
        ]

    def __str__(self):
        return self.display_name or self.account_id

    @property
    def is_bot(self) -> bool:
        return self.account_type in BOT_ACCOUNT_TYPES


class Issue(models.Model):
    """A Jira issue, keyed by its site's issue id (the key changes when it moves)."""

    class Category(models.TextChoices):
        NEW = "new", "To do"
        INDETERMINATE = "indeterminate", "In progress"
        DONE = "done", "Done"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="issues")
    connection = models.ForeignKey(JiraConnection, on_delete=models.CASCADE, related_name="issues")
    jira_id = models.BigIntegerField()
    key = models.CharField(max_length=64)
    project_key = models.CharField(max_length=32)
    summary = models.TextField(blank=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=255, blank=True)
    status_category = models.CharField(
        max_length=20, choices=Category.choices, default=Category.NEW
    )
    issue_type = models.CharField(max_length=255, blank=True)
    hierarchy_level = models.SmallIntegerField(default=0)
    priority = models.CharField(max_length=255, blank=True)
    labels = models.JSONField(default=list, blank=True)
    components = models.JSONField(default=list, blank=True)
    parent_key = models.CharField(max_length=64, blank=True)
    story_points = models.FloatField(null=True, blank=True)
    creator = models.ForeignKey(
        JiraUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter = models.ForeignKey(
        JiraUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        JiraUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who the work is credited to: the assignee when the issue was completed (from
    # the changelog), which may differ from the assignee now.
    completed_by = models.ForeignKey(
        JiraUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=255, blank=True)
    resolution_id = models.CharField(max_length=32, blank=True)
    # Derived by integrations.jira.workflow, stored so reports aggregate in SQL.
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="First move into an in-progress status."
    )
    done_at = models.DateTimeField(
        "completed at",
        null=True,
        blank=True,
        help_text="Last move into a done status from another category, if it is done now.",
    )
    delivered = models.BooleanField(
        default=False,
        help_text="Completed, and not closed with a resolution that counts as not delivered.",
    )
    comment_count = models.PositiveIntegerField(default=0)
    pull_request_count = models.PositiveIntegerField(default=0)
    document_count = models.PositiveIntegerField(default=0)
    # Set by the census when Jira no longer shows the issue (deleted or access lost).
    removed_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "jira_id"], name="one_row_per_jira_issue")
        ]
        indexes = [
            models.Index(fields=["workspace", "done_at"]),
            models.Index(fields=["workspace", "status_category"]),
            models.Index(fields=["connection", "key"]),
            # An epic's children (the Investment report's epic progress).
            models.Index(fields=["connection", "parent_key"], name="issue_children"),
            # Open epics, most recently changed first.
            models.Index(
                fields=["workspace", "-updated_at"],
                condition=models.Q(hierarchy_level__gte=1),
                name="issue_epics_by_activity",
            ),
        ]
        ordering = ["-updated_at"]

    def __str__(self):
        return f"{self.key} {self.summary[:60]}"

    @property
    def jira_url(self) -> str:
        """The issue's page in Jira ("" if the stored site label is not a valid one).

        Reads ``connection.subdomain``: select or ``only()`` it with the issue.
        """
        return issue_browse_url(self.connection.subdomain, self.key)


class Comment(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="comments")
    jira_id = models.BigIntegerField()
    author = models.ForeignKey(
        JiraUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "jira_id"], name="one_row_per_jira_comment")
        ]
        # Reports count comments written in a period, per author.
        indexes = [models.Index(fields=["created_at", "author"])]
        ordering = ["created_at"]

    def __str__(self):
        return f"Comment {self.jira_id} on {self.issue_id}"


class EstimateChange(models.Model):
    """A change of the issue's story points, from the changelog of the connection's
    estimation fields (``integrations.sync.estimates``): what the estimate was before
    ``at`` and from it on. None is no estimate."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="estimate_changes")
    at = models.DateTimeField()
    from_points = models.FloatField(null=True, blank=True)
    to_points = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["issue", "at"])]
        ordering = ["at"]

    def __str__(self):
        return f"{self.from_points} → {self.to_points} at {self.at:%Y-%m-%d %H:%M}"


class StatusTransition(models.Model):
    """A status change from the issue's changelog."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="transitions")
    history_id = models.BigIntegerField()
    at = models.DateTimeField()
    from_status = models.CharField(max_length=255, blank=True)
    to_status = models.CharField(max_length=255, blank=True)
    from_category = models.CharField(max_length=20, blank=True)
    to_category = models.CharField(max_length=20, blank=True)
    from_status_id = models.CharField(max_length=32, blank=True)
    to_status_id = models.CharField(max_length=32, blank=True)
    author = models.ForeignKey(
        JiraUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "history_id"], name="one_row_per_status_history"
            )
        ]
        ordering = ["at", "history_id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status} at {self.at:%Y-%m-%d %H:%M}"


class IssueDocument(models.Model):
    """A document linked from an issue (Confluence page, Google Doc, Notion page...)."""

    class Source(models.TextChoices):
        REMOTE_LINK = "remote_link", "Remote link"
        DESCRIPTION = "description", "Description"
        COMMENT = "comment", "Comment"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="documents")
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=32, blank=True)
    application = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "url"], name="one_row_per_issue_document")
        ]

    def __str__(self):
        return self.title or self.url

    @property
    def kind_label(self) -> str:
        """ "Confluence page", "Notion page"... rather than an application type."""
        return document_kind_label(self.kind, self.application)


class PullRequest(models.Model):
    """A pull request linked to an issue (from the development panel or a link)."""

    class State(models.TextChoices):
        OPEN = "OPEN", "Open"
        MERGED = "MERGED", "Merged"
        DECLINED = "DECLINED", "Declined"
        UNKNOWN = "", "Unknown"

    class Source(models.TextChoices):
        DEV_STATUS = "dev_status", "Development panel"
        REMOTE_LINK = "remote_link", "Remote link"
        DESCRIPTION = "description", "Description"
        COMMENT = "comment", "Comment"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="pull_requests")
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, blank=True)
    author = models.CharField(max_length=255, blank=True)
    repository = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "url"], name="one_row_per_issue_pull_request")
        ]

    def __str__(self):
        return self.title or self.url
