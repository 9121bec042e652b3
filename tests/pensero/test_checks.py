"""System checks: a bad setting stops `check`, `migrate` and the worker at start, saying how to fix it."""

import pytest
from cryptography.fernet import Fernet
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from integrations.models import JiraConnection
from pensero.encryption import Secret

GOOD = Fernet.generate_key().decode()


def _ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_valid_encryption_keys_pass(settings):
    settings.FIELD_ENCRYPTION_KEYS = [GOOD, Fernet.generate_key().decode()]
    assert "pensero.E001" not in _ids(run_checks())


@pytest.mark.parametrize("bad", ["not-a-key", GOOD[:-4], "x" * 44])
def test_a_key_that_is_not_a_fernet_key_stops_manage_py_check(settings, bad):
    settings.FIELD_ENCRYPTION_KEYS = [GOOD, bad]
    with pytest.raises(SystemCheckError) as stopped:
        call_command("check")
    report = str(stopped.value)
    assert "Key number 2 of the 2 in FIELD_ENCRYPTION_KEYS is not a Fernet key" in report
    assert "Fernet.generate_key()" in report  # how to make a good one
    assert bad not in report and GOOD not in report  # keys are secrets


def test_an_empty_key_list_stops_manage_py_check(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    assert "pensero.E001" in _ids(run_checks())


@pytest.mark.django_db
def test_secrets_no_key_decrypts_are_reported_by_the_database_check(acme, settings):
    JiraConnection.objects.create(workspace=acme, subdomain="acme", api_token=Secret("tok-1"))
    assert "pensero.W002" not in _ids(run_checks(databases=["default"]))

    settings.FIELD_ENCRYPTION_KEYS = [GOOD]  # the old key is gone, nothing was rotated
    (warning,) = [m for m in run_checks(databases=["default"]) if m.id == "pensero.W002"]
    assert "1 in integrations.JiraConnection.api_token" in warning.msg
    assert "Restore the old key to FIELD_ENCRYPTION_KEYS" in warning.hint
    assert "pensero.W002" not in _ids(run_checks())  # plain `check` never reads the database
