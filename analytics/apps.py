from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Delivery analytics"

    def ready(self):
        # Imported when the apps are ready: models must be loaded first.
        from analytics.tasks import score_stored_issues, store_spans_of_stored_issues
        from integrations.signals import issues_stored

        # Spans first: they are stored in the sender's process, scores may be queued.
        issues_stored.connect(
            store_spans_of_stored_issues, dispatch_uid="analytics-store-spans-of-stored-issues"
        )
        issues_stored.connect(score_stored_issues, dispatch_uid="analytics-score-stored-issues")
