from integrations.models.connections import JiraConnection, JiraProject, SyncRun
from integrations.models.delivery import DeliveryRules
from integrations.models.grants import AtlassianGrant
from integrations.models.issues import (
    Comment,
    EstimateChange,
    Issue,
    IssueDocument,
    JiraUser,
    Person,
    PullRequest,
    StatusTransition,
)
from integrations.models.sprints import JiraBoard, Sprint, SprintMembership
from integrations.models.webhooks import JiraWebhook, WebhookEvent

__all__ = [
    "AtlassianGrant",
    "Comment",
    "DeliveryRules",
    "EstimateChange",
    "Issue",
    "IssueDocument",
    "JiraBoard",
    "JiraConnection",
    "JiraProject",
    "JiraUser",
    "JiraWebhook",
    "Person",
    "PullRequest",
    "Sprint",
    "SprintMembership",
    "StatusTransition",
    "SyncRun",
    "WebhookEvent",
]
