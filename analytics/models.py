"""What the reports store beside the synced data: per-issue scores and teams."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from integrations.models import Issue, Person
from pensero.models import Workspace

TEAM_NAME_MAX_LENGTH = 80


class IssueScore(models.Model):
    """The 0-100 score of one issue, as computed by ``analytics.scoring.score_issue``."""

    issue = models.OneToOneField(
        Issue, on_delete=models.CASCADE, primary_key=True, related_name="score"
    )
    score = models.PositiveSmallIntegerField()
    version = models.PositiveSmallIntegerField(help_text="SCORE_VERSION of the rules used.")
    completeness = models.FloatField()
    interactions = models.FloatField()
    breakdown = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            # Lets the report queries read the score of each joined issue from the index.
            models.Index(fields=["issue", "score"], name="issuescore_issue_score"),
            # `recompute_scores --only-outdated` looks for old versions.
            models.Index(fields=["version"], name="issuescore_version"),
        ]

    def __str__(self):
        return f"{self.score} for issue {self.issue_id}"


class Team(models.Model):
    """A group of people of one workspace; a person may be in several teams."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=TEAM_NAME_MAX_LENGTH)
    members = models.ManyToManyField(Person, through="TeamMember", related_name="teams", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "workspace",
                Lower("name"),
                name="one_team_name_per_workspace",
                violation_error_message="There is already a team with this name.",
            )
        ]
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        self.name = " ".join((self.name or "").split())
        if not self.name:
            raise ValidationError({"name": "Enter a team name."})


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="team_memberships")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "person"], name="one_membership_per_team")
        ]
        ordering = ["person__display_name"]

    def __str__(self):
        return f"{self.person} in {self.team}"

    def clean(self):
        if self.team_id and self.person_id and self.team.workspace_id != self.person.workspace_id:
            raise ValidationError("A team can only have people of its own workspace.")


# Investment categories and flow stages live with their features.
from analytics.flow.models import StatusStage  # noqa: E402
from analytics.investment.models import InvestmentRules  # noqa: E402

__all__ = ["InvestmentRules", "IssueScore", "StatusStage", "Team", "TeamMember"]
