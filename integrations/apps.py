from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Jira integration"

    def ready(self):
        from integrations import checks  # noqa: F401  (registers the system checks)
        from integrations.schedules import ensure_schedules_after_migrate

        # Once per `migrate` (sender: this app), so the schedule follows the settings.
        post_migrate.connect(
            ensure_schedules_after_migrate, sender=self, dispatch_uid="integrations-schedules"
        )
