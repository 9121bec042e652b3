"""The Sprints report, its CSV downloads, and one sprint's page."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from analytics.reports.export import csv_filename, table_csv_response, table_download
from analytics.reports.sprints.burndown import burndown_charts, burndown_table, sprint_burndown
from analytics.reports.sprints.filters import board_name, sprint_filters
from analytics.reports.sprints.groups import issue_groups, issue_rows, path_before_id
from analytics.reports.sprints.numbers import SprintNumbers
from analytics.reports.sprints.replay import placed_at_close, re_estimates, sprint_events
from analytics.reports.sprints.report import from_several_sites, sprints_report
from analytics.reports.sprints.selectors import SprintWindow, counted_issues, window_of
from integrations.models import JiraConnection, Sprint
from pensero.access import get_workspace_object_or_404, workspace_member_required


@workspace_member_required
def sprints(request):
    has_connections = JiraConnection.objects.filter(workspace=request.workspace).exists()
    if not has_connections:
        return render(request, "analytics/sprints.html", {"has_connections": False})
    filters = sprint_filters(request)
    report = sprints_report(filters)
    path, query = path_before_id("report_sprint"), filters.querystring
    return render(
        request,
        "analytics/sprints.html",
        {
            "has_connections": True,
            "filters": filters,
            "form": filters.form(),
            "rows": report.rows,
            "site_column": from_several_sites(report.rows),
            "tables": report.tables(url_for=lambda sprint: f"{path}{sprint.pk}/?{query}"),
            "charts": report.charts(),
            "export_view": "report_sprints_export",
        },
    )


@workspace_member_required
def sprints_export(request, sprint_table):
    filters = sprint_filters(request)
    tables = sprints_report(filters).tables()
    period = filters.period
    parts = (request.workspace.slug, sprint_table, period.first, period.last)
    return table_download(tables, sprint_table, *parts)


def _started_sprint(request, sprint_id) -> tuple[Sprint, SprintWindow]:
    """The workspace's sprint and its window; 404 for another workspace's or one that
    hasn't started."""
    sprint = get_workspace_object_or_404(
        request, Sprint.objects.select_related("connection"), pk=sprint_id
    )
    window = window_of(sprint, now=timezone.now())
    if window is None:
        raise Http404("This sprint has not started.")
    return sprint, window


@workspace_member_required
def sprint_burndown_export(request, sprint_id):
    """The burndown's table (the one beside its charts) as a CSV download."""
    sprint, window = _started_sprint(request, sprint_id)
    events = sprint_events(counted_issues(sprint_filters(request)), sprint.pk)
    table = burndown_table(sprint_burndown(events, window))
    return table_csv_response(table, csv_filename(request.workspace.slug, "burndown", sprint))


@workspace_member_required
def sprint_detail(request, sprint_id):
    sprint, window = _started_sprint(request, sprint_id)
    filters = sprint_filters(request)
    # Each issue's events in the sprint (two queries) give its place at the close and
    # the burndown, whose last point is the close: the sprint's numbers.
    events = sprint_events(counted_issues(filters), sprint.pk)
    placements = placed_at_close(events, window)
    burndown = sprint_burndown(events, window)
    numbers = burndown[-1].numbers if burndown else SprintNumbers()
    issues = issue_rows(counted_issues(filters).filter(sprint_memberships__sprint_id=sprint.pk))
    changes = [
        {"issue": issues[change.issue_id], "change": change, "delta": _delta(change)}
        for change in re_estimates(events, window, placements)
    ]
    return render(
        request,
        "analytics/sprint_detail.html",
        {
            "sprint": sprint,
            "window": window,
            "filters": filters,
            "board": board_name(sprint.connection_id, sprint.board_id),
            "numbers": numbers,
            "cards": _cards(numbers, closed=window.closed),
            "groups": issue_groups(placements, issues, closed=window.closed),
            "re_estimates": changes,
            "re_estimated_points": _signed(sum(c["delta"] for c in changes)),
            "burndown": burndown,
            "burndown_table": burndown_table(burndown),
            "burndown_csv_url": reverse("report_sprint_burndown_export", args=[sprint.pk])
            + f"?{filters.querystring}",
            "burndown_charts": burndown_charts(burndown),
        },
    )


def _delta(change) -> float:
    return (change.to_points or 0) - (change.from_points or 0)


def _signed(value: float) -> str:
    return f"{value:+g}" if value else "0"


def _points(value: float) -> str:
    return f"{value:g} point{'' if value == 1 else 's'}"


def _cards(n: SprintNumbers, *, closed: bool) -> list[dict]:
    """The sprint's numbers as the big figures at the top of its page."""
    unestimated = f", {n.committed_unestimated} unestimated" if n.committed_unestimated else ""
    say_do = "–" if n.say_do is None else f"{n.say_do * 100:.0f}%"
    by_points = "–" if n.say_do_points is None else f"{n.say_do_points * 100:.0f}%"
    last = (
        {"label": "Carried over", "value": n.carried_over, "note": "In it at the close, not done"}
        if closed
        else {"label": "Still open", "value": n.still_open, "note": "In it now, not done yet"}
    )
    return [
        {
            "label": "Committed",
            "value": n.committed,
            "note": _points(n.committed_points) + unestimated,
        },
        {"label": "Added", "value": n.added, "note": "After the start"},
        {"label": "Removed", "value": n.removed, "note": "After the start"},
        {"label": "Completed", "value": n.completed, "note": _points(n.completed_points)},
        {
            "label": "Not delivered",
            "value": n.not_delivered,
            "note": "Closed as Won't Do and the like",
        },
        last,
        {
            "label": "Completed outside",
            "value": n.completed_outside,
            "note": "Done before the start or before it joined",
        },
        {"label": "Say/do", "value": say_do, "note": f"By points: {by_points}"},
    ]
