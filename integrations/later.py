"""Background work that must wait for a given time (Jira said when it allows the next try).

Through django-q's schedules: a named one-off schedule per job, so asking again moves the
time instead of adding a second run. The worker that found the wait is free at once.
"""

import ast
from datetime import datetime

from django_q.models import Schedule


def run_once_at(name: str, func: str, *args, when: datetime) -> None:
    """Run ``func(*args)`` (a dotted path; ids only, never secrets) once, at ``when``."""
    # Stored as text that the scheduler reads back with ast.literal_eval: plain values only
    # (a TextChoices member is a str whose repr isn't a literal).
    plain = tuple(str(arg) if isinstance(arg, str) else arg for arg in args)
    text = repr(plain)
    if ast.literal_eval(text) != plain:
        raise ValueError("run_once_at takes plain values (ids, strings, numbers) only")
    Schedule.objects.update_or_create(
        name=name,
        defaults={
            "func": func,
            "args": text,
            "kwargs": "",
            "schedule_type": Schedule.ONCE,
            "repeats": -1,  # a one-off schedule deletes itself once run
            "next_run": when,
        },
    )
