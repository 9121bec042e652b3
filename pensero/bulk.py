"""Bulk writes: rows inserted, or upserted on a unique key, many thousands at a time.

The one place that writes rows in bulk (a sync page's issues and their comments,
transitions and links; the issues' scores), and the one that knows how each database
does it fastest. On PostgreSQL rows go in with COPY, several times cheaper in CPU than an
INSERT whose every value Django prepares and psycopg quotes, and without building a
model instance per row: a full sync and a rescore of 100,000 issues are CPU-bound, so
this shows in their wall time. Other databases use bulk_create.
"""

import json
import operator

from django.db import connection
from django.db.models import JSONField, Model
from psycopg.types.json import Jsonb


class JsonText(str):
    """A JSON value already serialised: written as it is, not serialised again.

    The scores' breakdowns are built as text from cached pieces; serialising them again
    was a large part of a rescore's time.
    """


def _json_value(value):
    return value if isinstance(value, JsonText) else Jsonb(value)


def _python_value(value):
    return json.loads(value) if isinstance(value, JsonText) else value


def _columns(model: type[Model], attnames: list[str]) -> list[str]:
    column_of = {field.attname: field.column for field in model._meta.concrete_fields}
    return [column_of[name] for name in attnames]


def _copy_rows(cursor, table: str, model: type[Model], attnames: list[str], rows: list[dict]):
    json_names = {
        field.attname for field in model._meta.concrete_fields if isinstance(field, JSONField)
    }
    json_at = [index for index, name in enumerate(attnames) if name in json_names]
    # A sync copies ~100,000 child rows: one C call per row picks its values in order.
    values_of = operator.itemgetter(*attnames) if len(attnames) > 1 else None
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in _columns(model, attnames))
    with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            values = values_of(row) if values_of else (row[attnames[0]],)
            if json_at:
                values = list(values)
                for index in json_at:
                    values[index] = _json_value(values[index])
            copy.write_row(values)


def _instance(model: type[Model], row: dict) -> Model:
    return model(**{name: _python_value(value) for name, value in row.items()})


def insert_rows(model: type[Model], rows: list[dict]) -> None:
    """Insert new rows of `model`, given as dicts of attribute names (all with the same keys).

    No conflicts are expected: the writer deleted the page's old child rows first.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create([_instance(model, row) for row in rows], batch_size=1000)
        return
    with connection.cursor() as cursor:
        _copy_rows(cursor, model._meta.db_table, model, list(rows[0]), rows)


def delete_rows(model: type[Model], attname: str, values: list) -> None:
    """Delete the rows of `model` whose `attname` is one of `values` (no signals, no cascade).

    For rows nothing else refers to (a page's child rows). On PostgreSQL one DELETE with an
    array parameter: QuerySet.delete() builds a collector and an IN list with a parameter
    per value, a few milliseconds of CPU per call that a sync makes four times a page.
    """
    if not values:
        return
    if connection.vendor != "postgresql":
        model._default_manager.filter(**{f"{attname}__in": values}).delete()
        return
    quote = connection.ops.quote_name
    (column,) = _columns(model, [attname])
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(column)} = ANY(%s)",  # noqa: S608 (quoted names from the model)
            [list(values)],
        )


def upsert_rows(
    model: type[Model],
    rows: list[dict],
    *,
    unique: list[str],
    return_pks: bool = False,
    inserted: set[int] | None = None,
) -> dict[tuple, int] | None:
    """Insert rows of `model`, updating every given column of rows that match on `unique`.

    With `return_pks`, returns each row's primary key by its `unique` values (a tuple in
    `unique`'s order), the rows inserted and the rows updated alike. With it, `inserted`
    (a set) gets the primary keys of the rows that were new, where the database tells
    (PostgreSQL); elsewhere it stays empty, as if every row had been there before.
    """
    if not rows:
        return {} if return_pks else None
    attnames = list(rows[0])
    updates = [name for name in attnames if name not in unique]
    if connection.vendor != "postgresql":
        name_of = {field.attname: field.name for field in model._meta.concrete_fields}
        instances = [_instance(model, row) for row in rows]
        model._default_manager.bulk_create(
            instances,
            update_conflicts=True,
            unique_fields=[name_of[n] for n in unique],
            update_fields=[name_of[n] for n in updates],
        )
        if not return_pks:
            return None
        # SQLite 3.35+ returns the keys of upserted rows too (Django sets them).
        return {tuple(getattr(i, name) for name in unique): i.pk for i in instances}
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    staging = f"sync_staging_{model._meta.db_table}"
    columns = ", ".join(quote(c) for c in _columns(model, attnames))
    conflict = ", ".join(quote(c) for c in _columns(model, unique))
    assignments = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in _columns(model, updates))
    with connection.cursor() as cursor:
        # Same column types as the real table, no constraints; dropped right after.
        cursor.execute(
            f"CREATE TEMP TABLE {quote(staging)} AS SELECT {columns} FROM {table} WITH NO DATA"  # noqa: S608 (quoted names from the model, no user input)
        )
        _copy_rows(cursor, staging, model, attnames, rows)
        upsert = (
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {quote(staging)} "  # noqa: S608 (quoted names from the model)
            f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments}"
        )
        if return_pks:
            # xmax is 0 in a row this statement inserted, the updater's id in one it updated.
            pk = quote(model._meta.pk.column)
            upsert += f" RETURNING {conflict}, {pk}, xmax = 0"
        cursor.execute(upsert)
        returned = cursor.fetchall() if return_pks else None
        cursor.execute(f"DROP TABLE {quote(staging)}")
    if returned is None:
        return None
    if inserted is not None:
        inserted.update(values[-2] for values in returned if values[-1])
    return {tuple(values[:-2]): values[-2] for values in returned}
