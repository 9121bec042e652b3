"""The Jira projects of a connection: which the account sees, and which it no longer does."""

from integrations.models import JiraConnection, JiraProject

LOST_MESSAGE = "The Jira account can no longer see this project."


def remember_visible_projects(connection: JiraConnection, projects) -> list[str]:
    """Store the projects Jira showed the account (`/project/search` items); their keys."""
    keys = []
    for project in projects:
        key = str(project.get("key", "")).upper() if isinstance(project, dict) else ""
        if not key:
            continue
        keys.append(key)
        JiraProject.objects.update_or_create(
            connection=connection,
            key=key,
            defaults={
                "jira_id": str(project.get("id", ""))[:32],
                "name": str(project.get("name", ""))[:255],
                "accessible": True,
                "last_error": "",
            },
        )
    return keys


def flag_lost_projects(connection: JiraConnection, keys: list[str]) -> None:
    """Projects the account can no longer see: flagged, their issues kept as they were."""
    for key in keys:
        JiraProject.objects.update_or_create(
            connection=connection,
            key=key,
            defaults={"accessible": False, "last_error": LOST_MESSAGE},
        )
