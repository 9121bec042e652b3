"""Stages: what a status means for flow (waiting in a queue, worked on, in review...).

Each status of a project maps to one stage. Without an admin's choice the stage comes
from the status's category (To Do → queue, In Progress → active, Done → done) and from
hints in its name (review, QA → review; blocked, waiting, on hold → waiting). Pure
functions, no ORM; the same rule as a database expression is ``models.
default_stage_expression``, which each stored status span keeps as a column.
"""

from __future__ import annotations

from integrations.jira.workflow import DONE, IN_PROGRESS, NEW

QUEUE, ACTIVE, REVIEW, WAITING, STAGE_DONE = "queue", "active", "review", "waiting", "done"
STAGES = (
    (QUEUE, "Queue"),
    (ACTIVE, "Active"),
    (REVIEW, "Review"),
    (WAITING, "Waiting / blocked"),
    (STAGE_DONE, "Done"),
)
STAGE_LABELS = dict(STAGES)
BY_CATEGORY = {NEW: QUEUE, IN_PROGRESS: ACTIVE, DONE: STAGE_DONE}
# Name hints, tried in order on the lower-cased name; the first found wins. Done statuses
# keep "done" whatever their name ("Reviewed and closed" is finished work).
NAME_HINTS = (
    ("blocked", WAITING),
    ("waiting", WAITING),
    ("on hold", WAITING),
    ("review", REVIEW),
    ("qa", REVIEW),
)


def default_stage(name: str, category: str) -> str:
    """The stage of a status no admin has mapped: its name's hint, else its category's stage.

    A status of unknown category (deleted from Jira, unknown name) without a hint is
    counted as queue time: it was neither worked on nor finished as far as Jira tells.
    """
    if category == DONE:
        return STAGE_DONE
    lowered = (name or "").lower()
    for hint, stage in NAME_HINTS:
        if hint in lowered:
            return stage
    return BY_CATEGORY.get(category, QUEUE)
