from integrations.models.connections import JiraConnection, JiraProject, SyncRun
from integrations.models.delivery import DeliveryRules, not_delivered_resolutions
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
    "DeliveryRules",
    "Issue",
    "IssueDocument",
    "JiraConnection",
    "JiraProject",
    "JiraUser",
    "Person",
    "PullRequest",
    "StatusTransition",
    "SyncRun",
    "not_delivered_resolutions",
]
