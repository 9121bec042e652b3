"""What the Jira integration tells the apps that build on it.

Analytics scores the issues a sync or a webhook stored; the integration doesn't import
analytics (analytics imports it), so it says so with a signal analytics listens to.
"""

from django.dispatch import Signal

# Sent after the issues' rows are written, possibly inside the transaction that wrote them:
# a receiver that queues work queues it on commit. Argument: issue_ids (Issue primary keys).
issues_stored = Signal()
