"""SQL pieces the report selectors share, and the one place they differ by database.

PostgreSQL computes percentiles in the query (``percentile_cont``). SQLite has no
percentile aggregate, so there the selectors fetch the list of durations instead
(one query) and interpolate the same way with ``analytics.timing.percentile``.
(Bulk writes differ by database too: ``pensero.bulk``.)
"""

import json

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Aggregate, F, FloatField, Func


def percentiles_in_sql() -> bool:
    return connection.vendor == "postgresql"


def json_string_as_stored(text: str) -> str:
    """`text` as a JSON string is spelled inside a stored JSON column, for a text match.

    SQLite holds JSON as Django wrote it (non-ASCII as \\u escapes); PostgreSQL's jsonb
    renders its text with the characters themselves.
    """
    return json.dumps(text, ensure_ascii=connection.vendor != "postgresql")


class Seconds(Func):
    """``end - start`` in seconds, as a float (PostgreSQL only).

    ``date_part`` rather than ``EXTRACT``: since PostgreSQL 14 ``EXTRACT`` returns
    ``numeric``, several times slower to compute and sort than the float ``date_part``
    gives, for the same value.
    """

    template = "date_part('epoch', %(expressions)s)"
    arg_joiner = " - "
    output_field = FloatField()

    def __init__(self, end: str, start: str):
        super().__init__(F(end), F(start))


class PercentileCont(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`` (PostgreSQL only).

    Interpolates linearly between the two nearest values, like ``timing.percentile``.
    """

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_distinct = False

    def __init__(self, expression, fraction: float, **extra):
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be between 0 and 1")
        # A float we control, formatted into the SQL: never user input.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


class MedianAndP85(PercentileCont):
    """The median and the 85th percentile of ``expression`` from one sort:
    ``percentile_cont(ARRAY[0.5, 0.85])``, a two-element array (PostgreSQL only).

    Two ``PercentileCont`` would each sort the group's values; read the pair with
    :func:`median_and_p85`.
    """

    template = "%(function)s(ARRAY[0.5, 0.85]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())

    def __init__(self, expression, **extra):
        super().__init__(expression, 0.5, **extra)


def median_and_p85(row: dict, name: str) -> dict[str, float | None]:
    """``{"<name>_median": ..., "<name>_p85": ...}`` from the ``MedianAndP85`` aggregate
    ``row[name]`` (None each when the group had no value)."""
    pair = row.get(name) or (None, None)
    return {f"{name}_median": pair[0], f"{name}_p85": pair[1]}


def cycle_seconds() -> Seconds:
    return Seconds("done_at", "started_at")


def lead_seconds() -> Seconds:
    return Seconds("done_at", "created_at")
