"""A project's status → stage choices, where an admin changed the default."""

from django.db import models

from analytics.flow.stages import STAGES
from integrations.models import JiraConnection


class StatusStage(models.Model):
    """The stage an admin chose for one status name of one project.

    Only choices that differ from ``stages.default_stage`` are stored: a project nobody
    edited follows the defaults, and so do statuses Jira adds later.
    """

    connection = models.ForeignKey(
        JiraConnection, on_delete=models.CASCADE, related_name="status_stages"
    )
    project_key = models.CharField(max_length=32)
    # The status name as the changelog gives it (deleted statuses keep theirs).
    status = models.CharField(max_length=255)
    stage = models.CharField(max_length=16, choices=STAGES)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "project_key", "status"], name="one_stage_per_status"
            )
        ]
        ordering = ["connection", "project_key", "status"]

    def __str__(self):
        return f"{self.project_key} {self.status} → {self.stage}"
