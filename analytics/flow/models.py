"""A project's status → stage choices, where an admin changed the default."""

from django.db import models
from django.db.models.functions import Lower
from django.db.models.lookups import Contains, Exact

from analytics.flow.stages import BY_CATEGORY, NAME_HINTS, QUEUE, STAGE_DONE, STAGES
from integrations.jira.workflow import DONE
from integrations.models import JiraConnection


def default_stage_expression(status: str = "status", category: str = "category") -> models.Case:
    """``stages.default_stage`` as a database expression over a status name and category
    field: the same rule, in the same order (``StatusSpan.default_stage``)."""
    lowered = Lower(models.F(status))
    whens = [models.When(Exact(models.F(category), DONE), then=models.Value(STAGE_DONE))]
    whens += [
        models.When(Contains(lowered, hint), then=models.Value(stage)) for hint, stage in NAME_HINTS
    ]
    whens += [
        models.When(Exact(models.F(category), key), then=models.Value(stage))
        for key, stage in BY_CATEGORY.items()
    ]
    return models.Case(*whens, default=models.Value(QUEUE))


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


class StatusSpan(models.Model):
    """One stay of an issue in a status, as its changelog tells: stored once per sync.

    Written by ``analytics.flow.time_in_status.store_spans`` whenever the sync or a
    webhook stored the issue, so reports aggregate rows instead of walking changelogs.
    The stage a report uses is the project's mapping at query time (an admin's choice,
    else ``default_stage``), so a change of mapping applies to every report at once; the
    default, which depends only on the span's status and category, is stored with it.
    """

    # No index of its own: the unique (issue, position) constraint's index starts with it.
    issue = models.ForeignKey(
        "integrations.Issue",
        on_delete=models.CASCADE,
        related_name="status_spans",
        db_index=False,
    )
    # The stay's place in the issue's life (0: the status it was created in).
    # The stay's place in the issue's life: 0, 1, 2... in the order of its moves.
    position = models.PositiveIntegerField()
    # The status name as the changelog gives it (deleted statuses keep theirs).
    status = models.CharField(max_length=255)
    # The status's category as the changelog recorded it ("" when unknown).
    category = models.CharField(max_length=32, blank=True)
    entered_at = models.DateTimeField()
    # None for the stay an open issue is in now: its time runs until "now" when read.
    left_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    # The issue's completion when its spans were stored (both change only when the sync
    # stores the issue): lets a report of the issues completed in a period read their
    # spans by this index instead of scanning every issue's.
    issue_done_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # ``stages.default_stage`` of the status and category, computed by the database when
    # the span is written: reports add only the admin's choices when they read.
    default_stage = models.GeneratedField(
        expression=default_stage_expression(),
        output_field=models.CharField(max_length=16, choices=STAGES),
        db_persist=True,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "position"], name="one_span_per_position")
        ]
        ordering = ["issue", "position"]

    def __str__(self):
        return f"{self.issue_id} #{self.position} {self.status}"


class StatusTime(models.Model):
    """An issue's time in one status: its spans there (``StatusSpan``) added up, written
    with them, so that reports read one row per issue and status instead of grouping
    every stay when a page is viewed.

    The stage is still chosen when reading (the admin's choice, else the default stage).
    A status an issue was in under two default stages (its category changed, say by a
    workflow migration) has a ``PART`` row per default stage, used when the admin did not
    map the status, and a ``WHOLE`` row of all its time, used when they did (every stay
    then counts in the chosen stage); any other status has one ``ONE`` row. A report
    thus picks rows, it never adds them up per issue again.
    """

    class Kind(models.TextChoices):
        ONE = "one", "The only row of the status"
        PART = "part", "The status's time in one default stage"
        WHOLE = "whole", "The status's time in all default stages"

    # No index of its own: the unique constraint's index starts with it. No foreign key
    # constraint in the database either: the rows are rewritten with the issue's spans
    # (which have one) at every sync, and checking each again doubled their writing
    # time. Deleting an issue still deletes its rows (Django's cascade).
    issue = models.ForeignKey(
        "integrations.Issue",
        on_delete=models.CASCADE,
        related_name="status_times",
        db_index=False,
        db_constraint=False,
    )
    status = models.CharField(max_length=255)
    # The spans' default stage; blank for a WHOLE row.
    default_stage = models.CharField(max_length=16, choices=STAGES, blank=True)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    # Seconds of the stays that ended (an open issue's current stay is not counted).
    seconds = models.FloatField()
    # When the issue entered the stay it is in now, if that stay is in this status: its
    # time runs until the moment of reading.
    running_since = models.DateTimeField(null=True, blank=True)
    # The smallest position of its spans: 0 on the first status of the issue (reports
    # count issues by it).
    first = models.PositiveIntegerField()
    # As ``StatusSpan.issue_done_at``: a period's rows are found by this index.
    issue_done_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "status", "default_stage"], name="one_time_per_status_stage"
            )
        ]

    def __str__(self):
        return f"{self.issue_id} {self.status} ({self.kind})"
