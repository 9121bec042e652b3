"""Every stored value of a model's rows, to compare a table before and after a request."""

from django.db import models

from pensero.encryption import Secret


def _comparable(value):
    # A Secret never equals another (it won't be compared by its plaintext): its stored
    # ciphertext says whether the column changed.
    return ("ciphertext", value.ciphertext) if isinstance(value, Secret) else value


def stored_rows(queryset: models.QuerySet, *, keep_timestamps: bool = False) -> list[dict]:
    """The rows' fields by primary key. `auto_now` timestamps are left out unless asked for:
    they say when a row was last saved, not what it holds."""
    names = [
        f.attname
        for f in queryset.model._meta.concrete_fields
        if keep_timestamps or not getattr(f, "auto_now", False)
    ]
    rows = queryset.order_by("pk").values(*names)
    return [{name: _comparable(value) for name, value in row.items()} for row in rows]
