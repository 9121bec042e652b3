"""The Delivery report's pages: the report, its CSV, the drill-downs, the dashboard, scoring."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse

from analytics import scoring
from analytics.models import Team
from analytics.reports.comparison import MIN_ISSUES
from analytics.reports.delivery import TOTAL_SCORE_MEANS, delivery_report, headline_cards
from analytics.reports.export import csv_filename, table_csv_response, table_download
from analytics.reports.filters import DEFAULT_DAYS, Period, ReportFilters, report_filters
from analytics.reports.flow import MIN_WEEK_ISSUES
from analytics.reports.people import contributor_rows
from analytics.reports.selectors import delivered_issues
from analytics.reports.summary import delivery_summary
from analytics.reports.tables import contributor_table, issue_table
from analytics.teams.page import team_page
from integrations.models import JiraConnection, Person
from integrations.sync.claims import with_running_flag
from pensero.access import get_workspace_object_or_404, workspace_member_required

ISSUES_PER_PAGE = 100


@workspace_member_required
def dashboard(request):
    connections = list(
        with_running_flag(JiraConnection.objects.filter(workspace=request.workspace))
    )
    context = {"connections": connections, "days": DEFAULT_DAYS}
    if connections:
        filters = ReportFilters(workspace=request.workspace, period=Period.last_days(DEFAULT_DAYS))
        summary = delivery_summary(filters)
        context |= {"filters": filters, "summary": summary, "cards": headline_cards(summary)}
    return render(request, "analytics/dashboard.html", context)


@workspace_member_required
def reports(request):
    connections = list(
        JiraConnection.objects.filter(workspace=request.workspace).only(
            "subdomain", "last_synced_at"
        )
    )
    if not connections:
        # Nothing can be reported before a site is connected: say so instead of zeros.
        return render(request, "analytics/reports.html", {"has_connections": False})
    filters = report_filters(request)
    report = delivery_report(filters)
    sort = request.GET.get("sort", "name")
    return render(
        request,
        "analytics/reports.html",
        {
            "filters": filters,
            "form": filters.form(),
            "summary": report.summary,
            "cards": headline_cards(report.summary),
            "tables": report.tables(sort=sort),
            "charts": report.charts(),
            "has_connections": True,
            "connections": connections,
            "min_comparison_issues": MIN_ISSUES,
            "min_week_issues": MIN_WEEK_ISSUES,
        },
    )


@workspace_member_required
def report_export(request, table):
    filters = report_filters(request)
    tables = delivery_report(filters).tables(sort=request.GET.get("sort", "name"))
    period = filters.period
    return table_download(tables, table, request.workspace.slug, table, period.first, period.last)


def _issue_url(issue) -> str:
    return reverse("issue_detail", args=[issue.pk])


CONTRIBUTOR, TEAM = "contributor", "team"


@workspace_member_required
def report_drilldown(request, kind, person_id=None, team_id=None, export=False):
    """One contributor's or one team's numbers and the delivered issues behind them.

    ``kind`` comes with the URL, which names the person or the team; with ``export``
    the issues are a CSV download instead.
    """
    if kind == CONTRIBUTOR:
        subject = get_workspace_object_or_404(request, Person, pk=person_id)
    else:
        subject = get_workspace_object_or_404(request, Team, pk=team_id)
    # The page is about one team or one person: a team filter would only hide its work.
    filters = report_filters(request).without_team()
    issues = delivered_issues(filters, person_id=person_id, team_id=team_id)
    if export:
        period = filters.period
        return table_csv_response(
            issue_table(issues.iterator(chunk_size=2000)),
            csv_filename(request.workspace.slug, subject, period.first, period.last),
        )
    context = {}
    if kind == CONTRIBUTOR:
        rows = contributor_rows(filters, person_id=subject.pk)
        numbers = contributor_table(rows)
    else:
        context |= team_page(filters, subject)
        numbers = context.pop("numbers")
    paginator = Paginator(issues, ISSUES_PER_PAGE)
    # The subject's row counts the same delivered issues: no COUNT query to page them.
    paginator.count = numbers.rows[0].values[2 if kind == TEAM else 1] if numbers.rows else 0
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "analytics/drilldown.html",
        context
        | {
            "subject": subject,
            "kind": kind,
            "filters": filters,
            "form": filters.form(),
            "numbers": numbers,
            "table": issue_table(page.object_list, url_for=_issue_url),
            "page": page,
            "csv_url": reverse(f"report_{kind}_csv", args=[subject.pk]),
            "total_score_means": TOTAL_SCORE_MEANS,
        },
    )


@workspace_member_required
def scoring_explained(request):
    kinds = scoring.KINDS
    rules = []
    for part, part_rules in (
        ("Completeness", scoring.COMPLETENESS_RULES),
        ("Interactions", scoring.INTERACTION_RULES),
    ):
        for key, label, _weight, _applies in part_rules:
            rules.append(
                {
                    "part": part,
                    "label": label,
                    "points": [scoring.max_points(kind).get(key) for kind in kinds],
                }
            )
    return render(
        request,
        "analytics/scoring.html",
        {
            "kinds": kinds,
            "rules": rules,
            "completeness_points": scoring.COMPLETENESS_POINTS,
            "interactions_points": scoring.INTERACTIONS_POINTS,
            "scoring": scoring,
        },
    )
