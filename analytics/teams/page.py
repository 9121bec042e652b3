"""A team's page: its numbers, weekly trends, time in each stage and its people's rows.

Read with the team as the report filter: the work its people completed, and their work in
progress. The people are in name order with links to their own pages: context for
conversations, not a ranking.
"""

from __future__ import annotations

from dataclasses import replace

from django.urls import reverse

from analytics.flow.time_in_status import spans_completed_in
from analytics.models import Team
from analytics.reports.filters import ReportFilters
from analytics.reports.flow import MIN_WEEK_ISSUES, delivery_flow
from analytics.reports.flow_report import stage_table
from analytics.reports.people import GroupRow, contributor_rows, team_rows
from analytics.reports.percentiles import Durations
from analytics.reports.selectors import completed_in, report_issues
from analytics.reports.tables import contributor_table, team_table
from analytics.reports.time_in_status import time_in_status
from analytics.reports.trends import Trends

# The trends a team page shows (``trends.Trends``' slugs).
TEAM_TRENDS = ("throughput", "cycle_trend")


def team_page(filters: ReportFilters, team: Team) -> dict:
    """The team page's context: ``numbers`` (the team's row), ``members``, ``member_table``,
    the trends' tables and charts, and ``stages`` (time in each stage).

    One list of durations is shared on SQLite; the team's people come with the filters'
    teams (``teams_with_members``), so listing them costs no query.
    """
    own = replace(filters, team_id=team.pk, team_name=team.name)
    durations = Durations(own)
    people = contributor_rows(own, durations=durations)
    flow = delivery_flow(own, durations=durations)
    members = next((t.people for t in filters.choices.teams if t.id == team.pk), ())
    by_id = {row.id: row for row in people}
    member_rows = [by_id.get(person.pk) or GroupRow(person.pk, str(person)) for person in members]
    trends = Trends(flow.trend)
    tables, charts = trends.tables(), trends.charts()
    path = reverse("report_contributor", args=[0]).removesuffix("0/")
    # Completed issues of the period only: a stage's time is counted to completion, the
    # same numbers as the Flow report's "Completed issues" for this team.
    period = own.period
    completed, _open = time_in_status(
        report_issues(own).filter(completed_in(period)),
        spans=spans_completed_in(period.start, period.end),
    )
    flow_url = f"{reverse('report_flow')}?{own.querystring}#completed-heading"
    return {
        "numbers": team_table(team_rows(people, filters.choices.teams, team_id=team.pk)),
        "members": members,
        "member_table": contributor_table(
            member_rows, url_for=lambda row: f"{path}{row.id}/?{filters.querystring}"
        ),
        "trend_tables": {slug: tables[slug] for slug in TEAM_TRENDS},
        "trend_charts": {slug: charts[slug] for slug in TEAM_TRENDS},
        "min_week_issues": MIN_WEEK_ISSUES,
        "stages": stage_table(
            "team_stages", "Time in each stage", completed, "to completion", url=flow_url
        ),
        "stage_numbers": completed,
        "flow_url": flow_url,
    }
