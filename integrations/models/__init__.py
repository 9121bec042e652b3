from integrations.models.connections import JiraConnection, JiraProject, SyncRun
from integrations.models.delivery import DeliveryRules
from integrations.models.issues import (
    Comment,
    Issue,
    IssueDocument,
    JiraUser,
    Person,
    PullRequest,
    StatusTransition,
)
from integrations.models.sprints import Sprint, SprintMembership

__all__ = [
    "Comment",
    "DeliveryRules",
    "Issue",
    "IssueDocument",
    "JiraConnection",
    "JiraProject",
    "JiraUser",
    "Person",
    "PullRequest",
    "Sprint",
    "SprintMembership",
    "StatusTransition",
    "SyncRun",
]
