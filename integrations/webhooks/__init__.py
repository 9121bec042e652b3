"""Real-time updates: Jira webhooks push changes; the scheduled sync stays the safety net.

- signatures: is a delivery from Jira (HMAC for admin webhooks, a JWT for dynamic ones)
- receiver: the public endpoints Jira posts to (verify, cap, rate-limit, store, answer fast)
- events: a delivery parsed and stored, deduplicated by Jira's delivery identifier
- processing: the background work (deletes at once, one fetch for a burst of changes)
- setup: receiver URLs, secrets, registering and refreshing webhooks in Jira
- health: what the Manage page's Real-time updates card says
- views, tasks: the card's buttons, and the background tasks
"""
