"""Write one row per started sprint, with its numbers, as CSV or JSON lines."""

from collections.abc import Callable
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics.reports.export import ColumnWriter, add_export_arguments, iso_time
from analytics.reports.filters import EARLIEST, Period, ReportFilters
from analytics.reports.sprints.filters import SprintFilters
from analytics.reports.sprints.report import SprintRow, sprint_rows
from pensero.models import Workspace


def _points(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


# The one list of columns: (name, how a row's value is read). Timestamps are ISO 8601 in
# UTC with their offset; empty when Jira gave none.
COLUMNS: list[tuple[str, Callable[[SprintRow], object]]] = [
    ("site", lambda row: row.sprint.connection.site_host),
    ("sprint_id", lambda row: row.sprint.jira_id),
    ("board_id", lambda row: "" if row.sprint.board_id is None else row.sprint.board_id),
    ("sprint", lambda row: row.sprint.name),
    ("state", lambda row: row.sprint.state),
    ("start", lambda row: iso_time(row.sprint.start_at)),
    ("end", lambda row: iso_time(row.sprint.end_at)),
    ("completed", lambda row: iso_time(row.sprint.completed_at)),
    ("committed_issues", lambda row: row.numbers.committed),
    ("added_issues", lambda row: row.numbers.added),
    ("removed_issues", lambda row: row.numbers.removed),
    ("completed_issues", lambda row: row.numbers.completed),
    ("not_delivered_issues", lambda row: row.numbers.not_delivered),
    ("carried_over_issues", lambda row: row.numbers.carried_over),
    ("completed_outside_issues", lambda row: row.numbers.completed_outside),
    ("committed_points", lambda row: _points(row.numbers.committed_points)),
    ("completed_points", lambda row: _points(row.numbers.completed_points)),
]


class Command(BaseCommand):
    help = (
        "Export one row per sprint that has started, with its numbers as on the Sprints "
        "report. ID is the connection's id as in its Manage page URL."
    )

    def add_arguments(self, parser):
        add_export_arguments(parser)

    def handle(self, *args, workspace=None, connection=None, format="csv", **options):
        workspaces = Workspace.objects.order_by("pk")
        if workspace:
            workspaces = workspaces.filter(slug=workspace)
            if not workspaces.exists():
                raise CommandError(f"No workspace with the slug {workspace!r}.")
        if connection is not None:
            workspaces = workspaces.filter(jira_connections__pk=connection)
        # Every sprint, whenever it ran.
        ever = Period(EARLIEST, timezone.localdate() + timedelta(days=1))
        out = ColumnWriter(self.stdout, COLUMNS, format=format)
        for each in workspaces:
            filters = SprintFilters(
                report=ReportFilters(
                    workspace=each,
                    period=ever,
                    connection_ids=(connection,) if connection is not None else (),
                )
            )
            rows = sorted(sprint_rows(filters), key=_order)
            for row in rows:
                out.write(row)


def _order(row: SprintRow) -> tuple:
    return (row.sprint.connection_id, row.sprint.start_at, row.sprint.jira_id)
