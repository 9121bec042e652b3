"""The Sprints report's filters: the report filters (period, sites, projects, team) and boards."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from django import forms
from django.utils.http import urlencode

from analytics.reports.extended_filters import ExtendsReportFilters
from analytics.reports.filters import ReportFilterForm, ReportFilters, report_filters
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
        form = SprintFilterForm(choices=self.report.choices, boards=self.board_choices)
        form.initial = self.report.form().initial | {"board": [f"{c}:{b}" for c, b in self.boards]}
        return form


class SprintFilterForm(ReportFilterForm):
    board = forms.MultipleChoiceField(label="Boards", required=False)

    def __init__(self, *args, boards: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].choices = boards
        self.fields["board"].widget.attrs["size"] = min(4, max(2, len(boards)))


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
    report = report_filters(request)
    choices = board_choices(request.workspace)
    known = {value for value, _label in choices}
    wanted = list(dict.fromkeys(request.GET.getlist("board")[:100]))
    kept = [value for value in wanted if value in known]
    if len(kept) < len(wanted):
        report = dataclasses.replace(
            report, notes=(*report.notes, "Unknown boards in the filters were ignored.")
        )
    boards = tuple(tuple(int(part) for part in value.split(":")) for value in kept)
    return SprintFilters(report=report, boards=boards, board_choices=choices)
