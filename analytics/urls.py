from django.urls import path

from analytics import issue_views
from analytics.flow import views as stage_views
from analytics.investment import views as investment_settings_views
from analytics.reports import flow_report
from analytics.reports import views as report_views
from analytics.reports.investment import views as investment_views
from analytics.reports.sprints import views as sprint_views
from analytics.teams import views as team_views

urlpatterns = [
    path("dashboard/", report_views.dashboard, name="dashboard"),
    path("reports/", report_views.reports, name="reports"),
    path("reports/scoring/", report_views.scoring_explained, name="report_scoring"),
    path("reports/export/<slug:table>.csv", report_views.report_export, name="report_export"),
    path(
        "reports/contributors/<id:person_id>/",
        report_views.report_drilldown,
        {"kind": report_views.CONTRIBUTOR},
        name="report_contributor",
    ),
    path(
        "reports/contributors/<id:person_id>/issues.csv",
        report_views.report_drilldown,
        {"kind": report_views.CONTRIBUTOR, "export": True},
        name="report_contributor_csv",
    ),
    path(
        "reports/teams/<id:team_id>/",
        report_views.report_drilldown,
        {"kind": report_views.TEAM},
        name="report_team",
    ),
    path(
        "reports/teams/<id:team_id>/issues.csv",
        report_views.report_drilldown,
        {"kind": report_views.TEAM, "export": True},
        name="report_team_csv",
    ),
    path("reports/sprints/", sprint_views.sprints, name="report_sprints"),
    path(
        "reports/sprints/export/<slug:sprint_table>.csv",
        sprint_views.sprints_export,
        name="report_sprints_export",
    ),
    path("reports/sprints/<id:sprint_id>/", sprint_views.sprint_detail, name="report_sprint"),
    path(
        "reports/sprints/<id:sprint_id>/burndown.csv",
        sprint_views.sprint_burndown_export,
        name="report_sprint_burndown_export",
    ),
    path("reports/investment/", investment_views.investment, name="report_investment"),
    path(
        "reports/investment/export/<slug:investment_table>.csv",
        investment_views.investment_export,
        name="report_investment_export",
    ),
    path("reports/flow/", flow_report.flow, name="report_flow"),
    path(
        "reports/flow/export/<slug:flow_table>.csv",
        flow_report.flow_export,
        name="report_flow_export",
    ),
    path("issues/<id:issue_id>/", issue_views.issue_detail, name="issue_detail"),
    path("settings/teams/", team_views.teams, name="teams"),
    path("settings/teams/<id:team_id>/", team_views.team_edit, name="team_edit"),
    path(
        "settings/teams/<id:team_id>/members/",
        team_views.team_members_add,
        name="team_members_add",
    ),
    path(
        "settings/teams/<id:team_id>/members/<id:person_id>/remove/",
        team_views.team_member_remove,
        name="team_member_remove",
    ),
    path("settings/teams/<id:team_id>/delete/", team_views.team_delete, name="team_delete"),
    path(
        "settings/investment/",
        investment_settings_views.investment_settings,
        name="investment_settings",
    ),
    path("settings/stages/", stage_views.stage_settings, name="stage_settings"),
]
