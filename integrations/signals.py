"""What the Jira integration tells the apps that build on it.

Analytics scores the issues a sync or a webhook stored; the integration doesn't import
analytics (analytics imports it), so it says so with a signal analytics listens to.
"""

from django.dispatch import Signal

# Sent after the issues' rows are written, possibly inside the transaction that wrote them:
# a receiver that queues work queues it on commit. Arguments: issue_ids (Issue primary
# keys) and in_process: True when the sender waits for the work (the `sync_jira` command
# returns with the issues scored); a receiver then does it before returning and returns
# how many issues it handled.
issues_stored = Signal()
