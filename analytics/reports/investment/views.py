"""The Investment report and its CSV downloads."""

from django.shortcuts import render

from analytics.reports.export import table_download
from analytics.reports.investment.filters import investment_filters
from analytics.reports.investment.report import epic_url_builder, investment_report
from integrations.models import JiraConnection
from pensero.access import workspace_member_required


@workspace_member_required
def investment(request):
    if not JiraConnection.objects.filter(workspace=request.workspace).exists():
        return render(request, "analytics/investment.html", {"has_connections": False})
    filters = investment_filters(request)
    report = investment_report(filters)
    return render(
        request,
        "analytics/investment.html",
        {
            "has_connections": True,
            "filters": filters,
            "form": filters.form(),
            "report": report,
            "tables": report.tables(epic_url=epic_url_builder()),
            "charts": report.charts(),
            "export_view": "report_investment_export",
        },
    )


@workspace_member_required
def investment_export(request, investment_table):
    filters = investment_filters(request)
    tables = investment_report(filters).tables()
    period = filters.period
    parts = (request.workspace.slug, "investment", investment_table, period.first, period.last)
    return table_download(tables, investment_table, *parts)
