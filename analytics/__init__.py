"""What the app makes of the synced Jira data.

``scoring/`` (the per-issue score, pure Python) with ``facts``, ``scores`` and ``tasks``
(reading its inputs, storing its results, in the background); ``reports/`` (the Delivery,
Sprints and Investment reports and the dashboard); ``teams/`` and ``investment/`` (the
settings the reports group by); ``issue_views`` (one issue's page).
"""
