"""The periodic schedules (the sync, looking after webhooks), created or updated from
settings after every `migrate`.

Every release runs `migrate` before starting new processes (Procfile, compose.yaml,
`make run`), so JIRA_SYNC_INTERVAL_MINUTES takes effect at the next release or restart.
Idempotent by name: running it again changes nothing unless the settings changed.

django-q2 fires a schedule once however many clusters run: each cluster's
scheduler claims due schedules with a row lock before queueing them.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

SYNC_ALL_SCHEDULE = "Sync every Jira connection"
WEBHOOKS_SCHEDULE = "Look after Jira webhooks"


def ensure_schedules(schedule_model=None) -> None:
    if schedule_model is None:
        from django_q.models import Schedule as schedule_model
    minutes = settings.JIRA_SYNC_INTERVAL_MINUTES
    schedule, _ = schedule_model.objects.update_or_create(
        name=SYNC_ALL_SCHEDULE,
        defaults={
            "func": "integrations.tasks.sync_all_connections_task",
            "schedule_type": "I",  # every `minutes`
            "minutes": minutes,
            "repeats": -1,
        },
    )
    # A shorter interval applies from now, not only after the longer one's next run.
    latest = timezone.now() + timedelta(minutes=minutes)
    if schedule.next_run is None or schedule.next_run > latest:
        schedule_model.objects.filter(pk=schedule.pk).update(next_run=latest)
    # Daily: refresh dynamic webhooks before they expire (30 days), prune old deliveries.
    schedule_model.objects.update_or_create(
        name=WEBHOOKS_SCHEDULE,
        defaults={
            "func": "integrations.webhooks.tasks.look_after_webhooks_task",
            "schedule_type": "D",
            "repeats": -1,
        },
    )


def ensure_schedules_after_migrate(sender, apps=None, **kwargs) -> None:
    """post_migrate receiver (also sent by `flush`, without the migrated state in `apps`)."""
    if apps is None:
        from django.apps import apps
    try:
        schedule_model = apps.get_model("django_q", "Schedule")
    except LookupError:  # django_q migrated back to zero: there is no table to write
        return
    ensure_schedules(schedule_model)
