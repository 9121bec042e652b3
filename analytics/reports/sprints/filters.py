"""The Sprints report's filters: the report filters (period, sites, projects, team) and boards."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.http import urlencode

from analytics.reports.extended_filters import ExtendsReportFilters
from analytics.reports.filters import (
    ChoiceListField,
    ReportFilterForm,
    ReportFilters,
    filter_choices,
)
from integrations.models import Sprint


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


def board_choices(workspace) -> list[tuple[str, str]]:
    """The boards the workspace's sprints belong to, as ("connection:board", label). One query.

    Jira's Sprint field gives a board's id, not its name.
    """
    rows = (
        Sprint.objects.filter(workspace=workspace, board_id__isnull=False)
        .values_list("connection_id", "connection__subdomain", "board_id")
        .distinct()
        .order_by("connection__subdomain", "board_id")
    )
    return [(f"{pk}:{board}", f"Board {board} on {site}.atlassian.net") for pk, site, board in rows]


def sprint_filters(request) -> SprintFilters:
    """The filters of a Sprints report request, scoped to ``request.workspace``."""
    form = SprintFilterForm(
        request.GET,
        choices=filter_choices(request.workspace),
        boards=board_choices(request.workspace),
    )
    return form.sprint_filters(request.workspace)
