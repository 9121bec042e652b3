"""Secrets at rest: one field type, encrypted with Fernet keys from FIELD_ENCRYPTION_KEYS.

A stored secret is read back as a `Secret`, whose `str()` and `repr()` never
show the value: printing a model, a form's initial data or a debug page's
locals can't leak it. Code that really needs the value calls `.reveal()`.

Keys are a comma-separated list, newest first (MultiFernet): the first key
encrypts, every key decrypts, and `manage.py rotate_encryption_keys`
re-encrypts stored values with the first key so old keys can be removed.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class SecretDecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


def is_fernet_key(key: str) -> bool:
    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        return False
    return True


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    if not all(is_fernet_key(key) for key in keys):
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        )
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        # `from None`: the token itself must not end up in a traceback.
        raise SecretDecryptionError(
            "A stored secret can't be decrypted with any key in FIELD_ENCRYPTION_KEYS. "
            "Was a key removed before running `manage.py rotate_encryption_keys`?"
        ) from None


def rotate(ciphertext: str) -> str:
    """Re-encrypt `ciphertext` with the newest key."""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretDecryptionError(
            "A stored secret can't be decrypted with any key in FIELD_ENCRYPTION_KEYS, "
            "so it can't be rotated."
        ) from None


class Secret:
    """A secret value that never shows itself when printed."""

    __slots__ = ("_ciphertext", "_plaintext")

    def __init__(self, plaintext: str | None = None, *, ciphertext: str | None = None):
        if (plaintext is None) == (ciphertext is None):
            raise ValueError("Give either the plaintext or the ciphertext.")
        self._plaintext = plaintext
        self._ciphertext = ciphertext

    @property
    def ciphertext(self) -> str:
        if self._ciphertext is None:
            self._ciphertext = encrypt(self._plaintext)
        return self._ciphertext

    def reveal(self) -> str:
        if self._plaintext is None:
            self._plaintext = decrypt(self._ciphertext)
        return self._plaintext

    def __str__(self) -> str:
        return "********"

    def __repr__(self) -> str:
        return "<Secret ********>"

    def __eq__(self, other):
        return NotImplemented

    __hash__ = None


class EncryptedSecretField(models.TextField):
    """A text column that only ever holds Fernet ciphertext.

    Assign a `str` or a `Secret`; read back a `Secret` (or None).
    """

    description = "Encrypted secret"

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return None
        return Secret(ciphertext=value)

    def to_python(self, value):
        if value in (None, "") or isinstance(value, Secret):
            return value or None
        return Secret(str(value))

    def get_prep_value(self, value):
        if value in (None, ""):
            return None
        if not isinstance(value, Secret):
            value = Secret(str(value))
        return value.ciphertext

    def value_to_string(self, obj):
        # Serialisation (dumpdata) keeps the ciphertext, never the plaintext.
        value = self.value_from_object(obj)
        return value.ciphertext if value else ""


def encrypted_fields():
    """(model, field) for every EncryptedSecretField in the project."""
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, EncryptedSecretField):
                yield model, field
