"""Fixed catalogue of the simulated Jira Cloud sites: accounts, statuses, types, messages.

Everything here is plain data shared by the generator, the renderer and the HTTP layer.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_EMAIL = "demo@example.com"
DEMO_TOKEN = "demo-token"  # noqa: S105 - a published demo credential, not a secret
DEMO_TIMEZONE = "America/Los_Angeles"
LIMITED_EMAIL = "limited@example.com"
LIMITED_TOKEN = "limited-token"  # noqa: S105 - a published demo credential, not a secret
LIMITED_TIMEZONE = "Europe/Berlin"
# The one OAuth 2.0 (3LO) client registered with the simulated Atlassian authorization server.
OAUTH_CLIENT_ID = "sim-client"
OAUTH_CLIENT_SECRET = "sim-secret"  # noqa: S105 - a published demo credential, not a secret

DEFAULT_PROJECTS = ("KAN", "ENG", "PLAT")
PROJECT_NAMES = {
    "KAN": "Kanban Board",
    "ENG": "Engineering",
    "PLAT": "Platform",
    "MOB": "Mobile",
    "OPS": "Operations",
}

DEVELOPMENT_FIELD_ID = "customfield_10000"
DEVELOPMENT_FIELD_NAME = "Development"
# Real sites often have both estimation fields, each used by some projects: Jira
# Software's "Story point estimate" (team-managed and many company-managed projects) and
# a plain number field "Story Points" (fact sheet section 10).
ESTIMATE_FIELD = ("customfield_10016", "Story point estimate")
STORY_POINTS_FIELD = ("customfield_10024", "Story Points")
# Jira Software's Sprint field: every sprint an issue is or was in (fact sheet section 10).
SPRINT_FIELD = ("customfield_10020", "Sprint")
SPRINT_SCHEMA = "com.pyxis.greenhopper.jira:gh-sprint"
ESTIMATE_SCHEMA = "com.pyxis.greenhopper.jira:jsw-story-points"
NUMBER_SCHEMA = "com.atlassian.jira.plugin.system.customfieldtypes:float"

FIRST_ISSUE_ID = 10001
ISSUE_DAYS = 180
# A site adopted recently: its first issue is YOUNG_HISTORY_DAYS old, and its first
# PILOT_DAYS are a pilot that made only PILOT_SHARE of its issues. A report's previous
# period can then start before the site's history, or hold only a few issues: the cases
# where the app shows no "% vs previous period". The demo's second site, globex, is one.
YOUNG_SITE_PREFIXES = ("new", "globex")
YOUNG_HISTORY_DAYS = 100
PILOT_DAYS = 55
PILOT_SHARE = 0.005
DAY_MS = 86_400_000


@dataclass(frozen=True)
class StatusDef:
    id: str
    name: str
    category_id: int
    category_key: str
    category_name: str
    color: str


TODO = StatusDef("10001", "To Do", 2, "new", "To Do", "blue-gray")
IN_PROGRESS = StatusDef("3", "In Progress", 4, "indeterminate", "In Progress", "yellow")
IN_REVIEW = StatusDef("10002", "In Review", 4, "indeterminate", "In Progress", "yellow")
DONE = StatusDef("10003", "Done", 3, "done", "Done", "green")
STATUSES = (TODO, IN_PROGRESS, IN_REVIEW, DONE)
STATUS_BY_NAME = {s.name.lower(): s for s in STATUSES}
# The workflow sites used before a migration: Jira's built-in statuses, since deleted from
# the status list but still in every old changelog (fact sheet section 10). Sites named
# "legacy..." also used a custom "Ready for Dev" status that no id or name identifies.
OPEN = StatusDef("1", "Open", 2, "new", "To Do", "blue-gray")
RESOLVED = StatusDef("5", "Resolved", 3, "done", "Done", "green")
CLOSED = StatusDef("6", "Closed", 3, "done", "Done", "green")
READY_FOR_DEV = StatusDef("10101", "Ready for Dev", 2, "new", "To Do", "blue-gray")
OLD_STATUSES = (OPEN, RESOLVED, CLOSED, READY_FOR_DEV)
STATUS_BY_ID = {s.id: s for s in STATUSES + OLD_STATUSES}


@dataclass(frozen=True)
class IssueTypeDef:
    id: str
    name: str
    subtask: bool
    hierarchy_level: int
    description: str


EPIC = IssueTypeDef("10000", "Epic", False, 1, "A big user story that needs to be broken down.")
STORY = IssueTypeDef("10001", "Story", False, 0, "Functionality or a feature expressed as a goal.")
TASK = IssueTypeDef("10002", "Task", False, 0, "A small, distinct piece of work.")
SUBTASK = IssueTypeDef("10003", "Sub-task", True, -1, "A small piece of work within a task.")
BUG = IssueTypeDef("10004", "Bug", False, 0, "A problem or error.")
ISSUE_TYPES = (EPIC, STORY, TASK, SUBTASK, BUG)
# Index into ISSUE_TYPES; the skeleton stores these small ints.
T_EPIC, T_STORY, T_TASK, T_SUBTASK, T_BUG = range(5)
TYPE_WEIGHTS = (3, 40, 20, 15, 22)
TYPE_BY_NAME = {t.name.lower(): i for i, t in enumerate(ISSUE_TYPES)}

PRIORITIES = (("1", "Highest"), ("2", "High"), ("3", "Medium"), ("4", "Low"), ("5", "Lowest"))
PRIORITY_BY_NAME = {name.lower(): (pid, name) for pid, name in PRIORITIES}
RESOLUTIONS = (
    ("10000", "Done"),
    ("10001", "Won't Do"),
    ("10002", "Duplicate"),
    ("10003", "Cannot Reproduce"),
)
RESOLUTION_WEIGHTS = (88, 6, 4, 2)
# What the app counts as not delivered by default (Jira's usual English names).
NOT_DELIVERED = frozenset({"Won't Do", "Duplicate", "Cannot Reproduce"})

DEV_INSTANCE_TYPES = {
    "GitHub": "GitHub",
    "oAuth-com.github.integration.production": "GitHub",
}

# Jira's own wording, so clients are exercised against the messages they will really see.
MSG_LEGACY_SEARCH = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)
MSG_UNAUTHORIZED = "Client must be authenticated to access this resource."
MSG_ISSUE_NOT_FOUND = "Issue does not exist or you do not have permission to see it."
MSG_BOARD_NOT_FOUND = "Board does not exist or you do not have permission to see it."
MSG_BAD_PAYLOAD = "Invalid request payload. Refer to the REST API documentation and try again."
MSG_UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)


def project_name(key: str) -> str:
    return PROJECT_NAMES.get(key, key.title())


def error_body(*messages: str, **errors: str) -> dict:
    return {"errorMessages": list(messages), "errors": dict(errors)}
