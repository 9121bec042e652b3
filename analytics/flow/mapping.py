"""Each project's statuses and their stages: what Settings → Stages shows and saves."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from analytics.flow.models import StatusStage
from analytics.flow.stages import STAGE_LABELS, default_stage
from integrations.models import Issue, JiraConnection, StatusTransition


@dataclass(frozen=True)
class StatusRow:
    """One status of one project, with the stage reports use for it."""

    connection_id: int
    site: str
    project_key: str
    status: str
    category: str
    stage: str

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.connection_id, self.project_key, self.status)

    @property
    def default(self) -> str:
        return default_stage(self.status, self.category)

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]


def _seen_statuses(workspace) -> dict[tuple[int, str, str], str]:
    """(connection id, project, status name) → category, of every status an issue of the
    workspace was in: its changelogs (deleted statuses included) and the statuses now."""
    seen: dict[tuple[int, str, str], str] = {}

    def add(rows):
        for connection_id, project, status, category in rows:
            if status:
                key = (connection_id, project, status)
                seen[key] = max(seen.get(key, ""), category or "")

    moves = StatusTransition.objects.filter(issue__workspace=workspace).order_by()
    prefix = ("issue__connection_id", "issue__project_key")
    add(moves.values_list(*prefix, "from_status", "from_category").distinct())
    add(moves.values_list(*prefix, "to_status", "to_category").distinct())
    issues = Issue.objects.filter(workspace=workspace).order_by()
    add(issues.values_list("connection_id", "project_key", "status", "status_category").distinct())
    return seen


def status_rows(workspace) -> list[StatusRow]:
    """The workspace's statuses by site and project, in name order, with their stages."""
    sites = {
        c.pk: c.site_host
        for c in JiraConnection.objects.filter(workspace=workspace).only("id", "subdomain")
    }
    chosen = {
        (row.connection_id, row.project_key, row.status): row.stage
        for row in StatusStage.objects.filter(connection__workspace=workspace)
    }
    rows = []
    for (connection_id, project, status), category in _seen_statuses(workspace).items():
        if connection_id not in sites:
            continue
        stage = chosen.get((connection_id, project, status)) or default_stage(status, category)
        rows.append(
            StatusRow(connection_id, sites[connection_id], project, status, category, stage)
        )
    return sorted(rows, key=lambda r: (r.site, r.project_key, r.status.casefold(), r.status))


def stage_of_status(connection_id: int, project_key: str):
    """A function (status name, category) → stage for one project."""
    chosen = dict(
        StatusStage.objects.filter(
            connection_id=connection_id, project_key=project_key
        ).values_list("status", "stage")
    )
    return lambda status, category: chosen.get(status) or default_stage(status, category)


@transaction.atomic
def status_stages_update(*, workspace, stages: dict[tuple[int, str, str], str]) -> int:
    """Set the stage of the given statuses (connection id, project, status name) of the
    workspace's projects; returns how many changed.

    A stage equal to the default is not stored (and removes an earlier choice), so a
    project follows the defaults wherever the admin did not choose otherwise. Statuses
    the workspace has never seen are refused.
    """
    known = {row.key: row for row in status_rows(workspace)}
    unknown = set(stages) - set(known)
    if unknown:
        raise ValidationError("Some statuses are not in this workspace's projects.")
    changed = 0
    for key, stage in stages.items():
        row = known[key]
        if stage not in STAGE_LABELS:
            raise ValidationError(f"“{stage}” is not a stage.")
        if stage == row.stage:
            continue
        changed += 1
        connection_id, project, status = key
        existing = StatusStage.objects.filter(
            connection_id=connection_id, project_key=project, status=status
        )
        if stage == row.default:
            existing.delete()
        else:
            StatusStage.objects.update_or_create(
                connection_id=connection_id,
                project_key=project,
                status=status,
                defaults={"stage": stage},
            )
    return changed
