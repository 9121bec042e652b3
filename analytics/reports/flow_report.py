"""The Flow report: where the time of completed issues went, by status and by stage."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F
from django.shortcuts import render

from analytics.reports import charts
from analytics.reports.export import table_download
from analytics.reports.filters import ReportFilters, report_filters
from analytics.reports.selectors import completed_in, report_issues
from analytics.reports.tables import Column, Row, Table
from analytics.reports.time_in_status import (
    TimeInStatus,
    flow_issues,
    flow_spans,
    time_in_status,
)
from integrations.models import JiraConnection
from pensero.access import workspace_member_required


def _hours_table(slug, title, first, rows, numbers: TimeInStatus, what: str, url="") -> Table:
    """Median, 85th percentile and share of hours per status or stage (``first`` names which)."""
    return Table(
        slug,
        title,
        [
            Column(first),
            Column("Issues", "int"),
            Column(f"Median hours {what}", "decimal"),
            Column(f"85th percentile hours {what}", "decimal"),
            Column("Share of all hours (%)", "percent"),
        ],
        [
            Row([name, r.issues, r.median, r.p85, _share(r.total, numbers.total_hours)], url)
            for name, r in rows
        ],
    )


def _status_table(slug: str, title: str, numbers: TimeInStatus, what: str) -> Table:
    rows = [(r.name, r) for r in numbers.statuses]
    return _hours_table(slug, title, "Status", rows, numbers, what)


def stage_table(slug: str, title: str, numbers: TimeInStatus, what: str, *, url: str = "") -> Table:
    """Hours per stage; with ``url``, each stage links there (a drill-down)."""
    rows = [(r.label, r) for r in numbers.stages]
    return _hours_table(slug, title, "Stage", rows, numbers, what, url)


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass
class FlowReport:
    filters: ReportFilters
    completed: TimeInStatus
    open: TimeInStatus
    # Completed in the period with no time before completion (created already completed,
    # as when an issue is created in a done status): counted by the Delivery page, not here.
    completed_without_time: int = 0

    def tables(self) -> dict[str, Table]:
        built = [
            Table(
                "flow_efficiency",
                "Flow efficiency",
                [Column("Number"), Column("Value", "decimal")],
                [
                    Row(["Completed issues", self.completed.issues], kinds=["text", "int"]),
                    Row(
                        ["Completed with no time (created completed)", self.completed_without_time],
                        kinds=["text", "int"],
                    ),
                    Row(
                        ["Flow efficiency (%)", self.completed.efficiency],
                        kinds=["text", "percent"],
                    ),
                    Row(["Open issues", self.open.issues], kinds=["text", "int"]),
                ],
            ),
            _status_table("status_hours", "Hours per status", self.completed, "to completion"),
            stage_table("stage_hours", "Hours per stage", self.completed, "to completion"),
            _status_table(
                "open_status_hours", "Open issues: hours per status", self.open, "so far"
            ),
            stage_table("open_stage_hours", "Open issues: hours per stage", self.open, "so far"),
        ]
        return {table.slug: table for table in built}

    def charts(self) -> dict[str, charts.Chart]:
        def points(rows, label):
            return [(label(r), round(r.median or 0, 1)) for r in rows]

        return {
            "status_hours": charts.row_chart(
                "chart-status-hours",
                "Median hours per status, completed issues",
                "For each status, the median hours the completed issues that were in it spent there.",
                points(self.completed.statuses, lambda r: r.name),
            ),
            "stage_hours": charts.row_chart(
                "chart-stage-hours",
                "Median hours per stage, completed issues",
                "For each stage, the median hours the completed issues that reached it spent in it.",
                points(self.completed.stages, lambda r: r.label),
            ),
            "open_status_hours": charts.row_chart(
                "chart-open-status-hours",
                "Median hours so far per status, open issues",
                "For each status, the median hours the open issues that were in it have spent there so far.",
                points(self.open.statuses, lambda r: r.name),
            ),
        }


def flow_report(filters: ReportFilters) -> FlowReport:
    completed, still_open = time_in_status(flow_issues(filters), spans=flow_spans(filters))
    # Counted by their dates, not as what the time rows lack: an issue whose time rows
    # are still being computed (just synced) had time before completion all the same.
    created_completed = (
        report_issues(filters)
        .filter(completed_in(filters.period), done_at__lte=F("created_at"))
        .count()
    )
    return FlowReport(
        filters, completed=completed, open=still_open, completed_without_time=created_completed
    )


@workspace_member_required
def flow(request):
    connections = JiraConnection.objects.filter(workspace=request.workspace)
    if not connections.exists():
        return render(request, "analytics/flow.html", {"has_connections": False})
    filters = report_filters(request)
    report = flow_report(filters)
    return render(
        request,
        "analytics/flow.html",
        {
            "has_connections": True,
            "filters": filters,
            "form": filters.form(),
            "report": report,
            "tables": report.tables(),
            "charts": report.charts(),
            "export_view": "report_flow_export",
        },
    )


@workspace_member_required
def flow_export(request, flow_table):
    filters = report_filters(request)
    tables = flow_report(filters).tables()
    period = filters.period
    parts = (request.workspace.slug, "flow", flow_table, period.first, period.last)
    return table_download(tables, flow_table, *parts)
