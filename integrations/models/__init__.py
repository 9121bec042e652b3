from integrations.models.connections import JiraConnection, JiraProject, SyncRun
from integrations.models.issues import (
    Comment,
    Issue,
    IssueDocument,
    JiraUser,
    Person,
    PullRequest,
    StatusTransition,
)

__all__ = [
    "Comment",
    "Issue",
    "IssueDocument",
    "JiraConnection",
    "JiraProject",
    "JiraUser",
    "Person",
    "PullRequest",
    "StatusTransition",
    "SyncRun",
]
