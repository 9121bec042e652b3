"""The Sprints report's filters: the report filters (period, sites, projects, team) and boards."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.utils.http import urlencode

from analytics.reports.extended_filters import ExtendsReportFilters
from analytics.reports.filters import (
    ChoiceListField,
    ReportFilterForm,
    ReportFilters,
    filter_choices,
)
from integrations.models import JiraBoard, Sprint


@dataclass(frozen=True)
class SprintFilters(ExtendsReportFilters):
    report: ReportFilters
    # (connection id, Jira board id) pairs; empty: every board.
    boards: tuple[tuple[int, int], ...] = ()
    board_choices: list = field(default_factory=list, compare=False, repr=False)

    def params(self) -> list[tuple[str, str]]:
        return self.report.params() + [("board", f"{c}:{b}") for c, b in self.boards]

    @property
    def querystring(self) -> str:
        return urlencode(self.params())

    def form(self) -> SprintFilterForm:
        boards = [f"{c}:{b}" for c, b in self.boards]
        return SprintFilterForm(
            choices=self.report.choices,
            boards=self.board_choices,
            initial=self.report.initial() | {"board": boards},
        )


class SprintFilterForm(ReportFilterForm):
    board = ChoiceListField(
        label="Boards",
        limit=100,
        error_messages={"invalid_choice": "Unknown boards in the filters were ignored."},
    )

    def __init__(self, *args, boards: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.offer("board", boards)

    def sprint_filters(self, workspace) -> SprintFilters:
        """The filters in effect, read from the bound data."""
        report = self.report_filters(workspace)
        boards = tuple(
            tuple(int(part) for part in value.split(":")) for value in self.cleaned_data["board"]
        )
        return SprintFilters(
            report=report, boards=boards, board_choices=self.fields["board"].choices
        )


def board_name(connection_id: int, board_id: int | None) -> str:
    """A board as Jira names it, else "Board 2" (else "No board": a sprint of unknown board)."""
    if board_id is None:
        return "No board"
    name = (
        JiraBoard.objects.filter(connection_id=connection_id, jira_id=board_id)
        .values_list("name", flat=True)
        .first()
    )
    return name or f"Board {board_id}"


def board_choices(workspace) -> list[tuple[str, str]]:
    """The boards the workspace's sprints belong to, as ("connection:board", label). One query.

    Jira's Sprint field gives a board's id; the sync names boards from the Agile API where
    the connection may read them (``integrations.sync.boards``). Unnamed boards read
    "Board 2"; the site is named when boards of several sites are offered, and the id
    when two boards of a site share a name.
    """
    names = JiraBoard.objects.filter(
        connection_id=OuterRef("connection_id"), jira_id=OuterRef("board_id")
    ).values("name")[:1]
    rows = list(
        Sprint.objects.filter(workspace=workspace, board_id__isnull=False)
        .values_list("connection_id", "connection__subdomain", "board_id")
        .annotate(name=Subquery(names))
        .distinct()
        .order_by("connection__subdomain", "board_id")
    )
    several_sites = len({pk for pk, *_ in rows}) > 1
    shared = Counter((pk, name) for pk, _site, _board, name in rows if name)
    choices = []
    for pk, site, board, name in rows:
        label = name or f"Board {board}"
        if name and shared[pk, name] > 1:
            label += f" (board {board})"
        if several_sites:
            label += f" on {site}.atlassian.net"
        choices.append((f"{pk}:{board}", label))
    return choices


def sprint_filters(request) -> SprintFilters:
    """The filters of a Sprints report request, scoped to ``request.workspace``."""
    form = SprintFilterForm(
        request.GET,
        choices=filter_choices(request.workspace),
        boards=board_choices(request.workspace),
    )
    return form.sprint_filters(request.workspace)
