"""The periodic schedules (the sync, looking after webhooks), created idempotently by name.

django-q2 fires a schedule once however many clusters run: each cluster's
scheduler claims due schedules with a row lock before queueing them.
"""

from django.conf import settings

SYNC_ALL_SCHEDULE = "Sync every Jira connection"
WEBHOOKS_SCHEDULE = "Look after Jira webhooks"


def ensure_schedules(schedule_model=None) -> None:
    if schedule_model is None:
        from django_q.models import Schedule as schedule_model
    schedule_model.objects.update_or_create(
        name=SYNC_ALL_SCHEDULE,
        defaults={
            "func": "integrations.tasks.sync_all_connections_task",
            "schedule_type": "I",  # every `minutes`
            "minutes": settings.JIRA_SYNC_INTERVAL_MINUTES,
            "repeats": -1,
        },
    )
    # Daily: refresh dynamic webhooks before they expire (30 days), prune old deliveries.
    schedule_model.objects.update_or_create(
        name=WEBHOOKS_SCHEDULE,
        defaults={
            "func": "integrations.webhooks.tasks.look_after_webhooks_task",
            "schedule_type": "D",
            "repeats": -1,
        },
    )
