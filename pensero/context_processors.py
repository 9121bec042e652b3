from pensero.access import current_membership, memberships_of

# The navigation link each page marks as open, by the page's URL name: (the main
# navigation's link, the link of the page's sub-navigation). base.html, settings_base.html
# and the report tabs compare with them. Every URL under /settings/, /reports/ and
# /issues/ is listed (tests/pensero/test_navigation.py checks it).
SETTINGS_PAGES = {
    "settings": "",
    "integrations": "integrations",
    "jira_connect_token": "integrations",
    "jira_oauth_start": "integrations",
    "jira_oauth_callback": "integrations",
    "jira_oauth_pick": "integrations",
    "jira_oauth_reconnect": "integrations",
    "jira_manage": "integrations",
    "jira_story_points": "integrations",
    "jira_sync_now": "integrations",
    "jira_sync_progress": "integrations",
    "jira_disconnect": "integrations",
    "jira_webhook_secret": "integrations",
    "jira_webhook_rotate": "integrations",
    "jira_webhook_register": "integrations",
    "members": "members",
    "member_role": "members",
    "member_remove": "members",
    "teams": "teams",
    "team_edit": "teams",
    "team_members_add": "teams",
    "team_member_remove": "teams",
    "team_delete": "teams",
    "delivery_settings": "delivery",
    "investment_settings": "investment",
    "stage_settings": "stages",
}
REPORT_PAGES = {
    "reports": "delivery",
    "report_export": "delivery",
    "report_scoring": "",
    "report_contributor": "",
    "report_contributor_csv": "",
    "report_team": "",
    "report_team_csv": "",
    "issue_detail": "",
    "report_sprints": "sprints",
    "report_sprints_export": "sprints",
    "report_sprint": "sprints",
    "report_sprint_burndown_export": "sprints",
    "report_investment": "investment",
    "report_investment_export": "investment",
    "report_flow": "flow",
    "report_flow_export": "flow",
}
NAVIGATION = (
    {"dashboard": ("dashboard", "")}
    | {name: ("settings", sub) for name, sub in SETTINGS_PAGES.items()}
    | {name: ("reports", sub) for name, sub in REPORT_PAGES.items()}
)


def navigation(request):
    """Which links of the navigation mark the page as open (``nav_main``, ``nav_sub``)."""
    match = getattr(request, "resolver_match", None)
    main, sub = NAVIGATION.get(match.url_name if match else None, ("", ""))
    return {"nav_main": main, "nav_sub": sub}


def workspace(request):
    """The current workspace and the user's other workspaces, for the navigation."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    membership = current_membership(request)
    return {
        "current_membership": membership,
        "current_workspace": membership.workspace if membership else None,
        "user_memberships": memberships_of(request.user),
    }
