"""Which comments the score counts, and why it leaves the others out.

One rule for the scorer (``analytics.facts`` gives it only the comments counted here) and
for the issue page (which marks the others with the reason given here), so the page's
list of comments always adds up to the number in the score's breakdown.
"""

from __future__ import annotations

from integrations.jira.fields import BOT_ACCOUNT_TYPES

# Jira's accountType of the comment's author (fact sheet §10: bots are users).
_REASONS = {
    "app": "Not counted: written by an integration (an app account), not by a person.",
    "customer": "Not counted: written by a service desk customer, not by the team.",
}
_OTHER_BOT = "Not counted: written by an account that is not a team member."


def comment_not_counted_reason(author_account_type: str) -> str:
    """ "" when the score counts a comment by an author of this Jira account type; else
    why it doesn't. Comments of unknown or deleted accounts ("") are counted."""
    if author_account_type not in BOT_ACCOUNT_TYPES:
        return ""
    return _REASONS.get(author_account_type, _OTHER_BOT)
