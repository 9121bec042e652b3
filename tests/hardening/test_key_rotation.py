"""Key rotation drill: add a key, rotate, remove the old key; everything still decrypts."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection as db

from integrations.models import AtlassianGrant, JiraConnection
from pensero.encryption import Secret, SecretDecryptionError, _fernet_for
from tests.integrations.oauth_helpers import ACCESS_TOKEN, REFRESH_TOKEN, oauth_connection

pytestmark = pytest.mark.django_db

TOKENS = {"acme": "ROTATE-canary-token-0001", "acme-eu": "ROTATE-canary-token-0002"}


def _raw_tokens():
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT subdomain, api_token FROM integrations_jiraconnection ORDER BY subdomain"
        )
        return dict(cursor.fetchall())


def test_rotate_then_remove_the_old_key(acme, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    for subdomain, token in TOKENS.items():
        JiraConnection.objects.create(workspace=acme, subdomain=subdomain, api_token=Secret(token))
    before = _raw_tokens()

    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys")
    after = _raw_tokens()
    assert all(after[s] != before[s] for s in TOKENS)  # re-encrypted
    assert all(
        Fernet(new_key.encode()).decrypt(after[s].encode()).decode() == t for s, t in TOKENS.items()
    )

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    for subdomain, token in TOKENS.items():
        assert JiraConnection.objects.get(subdomain=subdomain).api_token.reveal() == token


def test_rotation_covers_the_oauth_tokens(acme, settings):
    grant = oauth_connection(acme).grant
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    grant = AtlassianGrant.objects.get(pk=grant.pk)
    assert grant.access_token.reveal() == ACCESS_TOKEN
    assert grant.refresh_token.reveal() == REFRESH_TOKEN


def test_a_value_under_an_unknown_key_fails_loudly(acme, settings):
    JiraConnection.objects.create(
        workspace=acme, subdomain="acme", api_token=Secret("LOST-key-token-123")
    )
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    connection = JiraConnection.objects.get(subdomain="acme")
    with pytest.raises(SecretDecryptionError) as caught:
        connection.api_token.reveal()
    message = str(caught.value)
    assert "FIELD_ENCRYPTION_KEYS" in message and "LOST-key" not in message
    with pytest.raises(CommandError, match="can't be decrypted"):
        call_command("rotate_encryption_keys")


def test_a_malformed_key_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    _fernet_for.cache_clear()
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        _fernet_for(("not-a-key",))


def test_secrets_never_print_themselves(acme):
    connection = JiraConnection.objects.create(
        workspace=acme, subdomain="acme", api_token=Secret("PRINT-canary-xyz-9")
    )
    connection.refresh_from_db()
    for text in (
        str(connection.api_token),
        repr(connection.api_token),
        str(connection),
        repr(connection.__dict__),
    ):
        assert "PRINT-canary" not in text
