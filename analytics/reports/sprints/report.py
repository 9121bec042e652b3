"""The Sprints report and the sprint page: numbers per sprint, tables, charts.

The page's table, its CSV and ``manage.py export_sprints`` are built from the same
``SprintRow`` list, so they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from analytics.reports import charts
from analytics.reports.series_charts import SeriesChart, labels_that_fit, series_column_chart
from analytics.reports.sprints.burndown import velocity_chart, velocity_rows, velocity_table
from analytics.reports.sprints.filters import SprintFilters
from analytics.reports.sprints.numbers import SprintNumbers
from analytics.reports.sprints.placement import numbers_per_sprint
from analytics.reports.sprints.selectors import sprint_placements, started_sprints
from analytics.reports.tables import Column, Row, Table
from integrations.models import Sprint


@dataclass
class SprintRow:
    sprint: Sprint
    numbers: SprintNumbers


def sprint_rows(filters: SprintFilters, *, now: datetime | None = None) -> list[SprintRow]:
    """Every started sprint in scope that has issues in scope, with its numbers, oldest
    first. Two queries."""
    sprints = list(started_sprints(filters))
    numbers = numbers_per_sprint(
        sprint_placements(filters, [s.pk for s in sprints], now=now or timezone.now())
    )
    # A sprint none of whose issues is in scope (another team's, a project no longer
    # synced, issues deleted in Jira) says nothing: it is left out.
    return [SprintRow(sprint, numbers[sprint.pk]) for sprint in sprints if sprint.pk in numbers]


def _day(moment: datetime | None):
    return timezone.localtime(moment).date() if moment else None


SPRINT_COLUMNS = [
    Column("Sprint"),
    Column("Site"),
    Column("Board"),
    Column("State"),
    Column("Start", "date"),
    Column("End", "date"),
    Column("Closed", "date"),
    Column("Committed", "int"),
    Column("Added", "int"),
    Column("Removed", "int"),
    Column("Completed", "int"),
    Column("Not delivered", "int"),
    Column("Carried over", "int"),
    Column("Still open", "int"),
    Column("Completed outside", "int"),
    Column("Committed points", "decimal"),
    Column("Completed points", "decimal"),
    Column("Say/do (%)", "percent"),
    Column("Say/do, points (%)", "percent"),
]


def _board(sprint) -> str:
    """The board as the board filter names it: Jira's name, else "Board 2"."""
    if sprint.board_id is None:
        return "No board"
    return getattr(sprint, "board_name", None) or f"Board {sprint.board_id}"


def from_several_sites(rows: list[SprintRow]) -> bool:
    return len({row.sprint.connection_id for row in rows}) > 1


def sprint_table(rows: list[SprintRow], *, url_for=None) -> Table:
    """The Sprints table. Its Site column only when its sprints come from several sites:
    one host repeated on every row says nothing, and the numbers need the room."""
    several_sites = from_several_sites(rows)
    columns = [c for c in SPRINT_COLUMNS if several_sites or c.label != "Site"]
    table = Table("sprints", "Sprints", columns)
    for row in rows:
        sprint, n = row.sprint, row.numbers
        site = [sprint.connection.site_host] if several_sites else []
        table.rows.append(
            Row(
                [
                    sprint.name,
                    *site,
                    _board(sprint),
                    sprint.get_state_display(),
                    _day(sprint.start_at),
                    _day(sprint.end_at),
                    _day(sprint.closes_at),
                    n.committed,
                    n.added,
                    n.removed,
                    n.completed,
                    n.not_delivered,
                    n.carried_over,
                    n.still_open,
                    n.completed_outside,
                    n.committed_points,
                    n.completed_points,
                    n.say_do,
                    n.say_do_points,
                ],
                url=url_for(sprint) if url_for else "",
            )
        )
    return table


def _chart_table(slug: str, title: str, rows: list[SprintRow], columns: dict) -> Table:
    return Table(
        slug,
        title,
        [Column("Sprint")] + [Column(label, "int") for label in columns],
        [Row([row.sprint.name] + [get(row.numbers) for get in columns.values()]) for row in rows],
    )


@dataclass
class SprintsReport:
    filters: SprintFilters
    rows: list[SprintRow]

    def tables(self, *, url_for=None) -> dict[str, Table]:
        built = [
            sprint_table(self.rows, url_for=url_for),
            _chart_table(
                "commitment",
                "Committed and completed issues per sprint",
                self.rows,
                {"Committed": lambda n: n.committed, "Completed": lambda n: n.completed},
            ),
            _chart_table(
                "scope",
                "Scope change per sprint",
                self.rows,
                {"Added": lambda n: n.added, "Removed": lambda n: n.removed},
            ),
            _chart_table(
                "carry_over",
                "Carried over per sprint",
                self.rows,
                {"Carried over": lambda n: n.carried_over},
            ),
            velocity_table(velocity_rows(self.rows)),
        ]
        return {table.slug: table for table in built}

    def charts(self) -> dict[str, SeriesChart | charts.Chart]:
        rows = [(row.sprint.name, row.numbers) for row in self.rows]
        return {
            "commitment": series_column_chart(
                "chart-commitment",
                "Committed and completed issues per sprint",
                "For each sprint, the issues in it when it started, and the issues completed "
                "in it (delivered) by its close.",
                ["Committed", "Completed"],
                [(name, [n.committed, n.completed]) for name, n in rows],
            ),
            "scope": series_column_chart(
                "chart-scope",
                "Scope change per sprint",
                "Issues added to each sprint after it started, and issues taken out of it.",
                ["Added", "Removed"],
                [(name, [n.added, n.removed]) for name, n in rows],
            ),
            "carry_over": charts.column_chart(
                "chart-carry-over",
                "Carried over per sprint",
                "Issues still in each closed sprint when it closed that weren't completed.",
                [(name, n.carried_over) for name, n in rows],
                max_labels=labels_that_fit([name for name, _n in rows]),
            ),
            "velocity": velocity_chart(velocity_rows(self.rows)),
        }


def sprints_report(filters: SprintFilters) -> SprintsReport:
    return SprintsReport(filters, sprint_rows(filters))
