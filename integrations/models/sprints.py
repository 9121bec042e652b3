"""Jira sprints and when each issue was in which sprint, from the Sprint field and its history."""

from django.db import models
from django.utils import timezone

from integrations.models.connections import JiraConnection
from integrations.models.issues import Issue
from pensero.models import Workspace


class JiraBoard(models.Model):
    """A Jira Software board that sprints belong to, named from the Agile API.

    Issues' Sprint fields give a board's id only. ``name`` is "" while Jira hasn't named
    it: the board is gone, or the connection may not read boards (OAuth apps need the
    Agile API's board scope); ``checked_at`` says when the sync last asked.
    """

    connection = models.ForeignKey(JiraConnection, on_delete=models.CASCADE, related_name="boards")
    jira_id = models.BigIntegerField()
    name = models.CharField(max_length=255, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "jira_id"], name="one_row_per_board")
        ]

    def __str__(self):
        return self.name or f"Board {self.jira_id}"


class Sprint(models.Model):
    """A sprint of one site, keyed by Jira's sprint id, as issues' Sprint fields last showed it."""

    class State(models.TextChoices):
        FUTURE = "future", "Future"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"
        # Known only from a changelog item (every issue has left it since).
        UNKNOWN = "", "Unknown"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="sprints")
    connection = models.ForeignKey(JiraConnection, on_delete=models.CASCADE, related_name="sprints")
    jira_id = models.BigIntegerField()
    name = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, blank=True)
    board_id = models.BigIntegerField(null=True, blank=True)
    goal = models.TextField(blank=True)
    start_at = models.DateTimeField(null=True, blank=True)
    end_at = models.DateTimeField(null=True, blank=True)
    # Jira's completeDate: when the sprint was closed.
    completed_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "jira_id"], name="one_row_per_sprint")
        ]
        indexes = [models.Index(fields=["workspace", "start_at"])]
        ordering = ["start_at", "jira_id"]

    def __str__(self):
        return self.name or f"Sprint {self.jira_id}"

    @property
    def closes_at(self):
        """When the sprint closed (its completeDate; its end date if Jira gave none)."""
        if self.state != self.State.CLOSED:
            return None
        return self.completed_at or self.end_at


class SprintMembership(models.Model):
    """A stretch of time an issue spent in a sprint: from ``joined_at`` until ``left_at``.

    An issue in a sprint since its creation joined at its creation. Closed sprints stay in
    the Sprint field, so an issue still in a sprint when it closed never leaves it.
    """

    sprint = models.ForeignKey(Sprint, on_delete=models.CASCADE, related_name="memberships")
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="sprint_memberships")
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at"]

    def __str__(self):
        return f"Issue {self.issue_id} in sprint {self.sprint_id} from {self.joined_at:%Y-%m-%d}"
