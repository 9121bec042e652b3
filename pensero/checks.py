"""System checks of the core settings: run by `manage.py check`, `migrate` and `qcluster`.

A bad value stops those commands at start, with the fix, instead of failing the first
request or task that needs it.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.checks import Warning as CheckWarning
from django.db import connections

from pensero.encryption import SecretDecryptionError, encrypted_fields, is_fernet_key

GENERATE_KEY = (
    'Generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


@register
def field_encryption_keys_check(app_configs, **kwargs):
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        return [Error("FIELD_ENCRYPTION_KEYS is empty.", hint=GENERATE_KEY, id="pensero.E001")]
    # The key itself is never part of the message: it is a secret.
    return [
        Error(
            f"Key number {position} of the {len(keys)} in FIELD_ENCRYPTION_KEYS is not a Fernet "
            "key (32 url-safe base64-encoded bytes).",
            hint=f"Keys are comma-separated, newest first. {GENERATE_KEY}",
            id="pensero.E001",
        )
        for position, key in enumerate(keys, start=1)
        if not is_fernet_key(key)
    ]


@register(Tags.database)
def stored_secrets_readable_check(app_configs, databases=None, **kwargs):
    """Stored secrets that no key decrypts: a key was changed or removed before rotating.

    A database check, so `migrate` and `check --database default` run it (plain `check`
    does not touch the database). A warning: the app runs, those connections fail.
    """
    if not databases or any(
        error.id == "pensero.E001" for error in field_encryption_keys_check(None)
    ):
        return []
    unreadable = {}
    tables = connections["default"].introspection.table_names()
    for model, field in encrypted_fields():
        if model._meta.db_table not in tables:  # `migrate` checks before it creates tables
            continue
        rows = model._default_manager.exclude(**{f"{field.attname}__isnull": True})
        for secret in rows.values_list(field.attname, flat=True).iterator():
            try:
                secret.reveal()
            except SecretDecryptionError:
                label = f"{model._meta.label}.{field.name}"
                unreadable[label] = unreadable.get(label, 0) + 1
    if not unreadable:
        return []
    where = ", ".join(f"{count} in {label}" for label, count in unreadable.items())
    return [
        CheckWarning(
            f"Stored secrets that no key in FIELD_ENCRYPTION_KEYS decrypts: {where}. "
            "Their Jira connections can't sync.",
            hint="Restore the old key to FIELD_ENCRYPTION_KEYS (after the new one), restart and "
            "run manage.py rotate_encryption_keys; or reconnect those sites.",
            id="pensero.W002",
        )
    ]
