"""pensero.bulk on the database the tests run on (SQLite locally, PostgreSQL in CI)."""

import pytest
from django.utils import timezone

from integrations.models import JiraConnection, Sprint
from pensero.bulk import delete_rows, insert_rows, upsert_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(acme):
    return JiraConnection.objects.create(workspace=acme, subdomain="acme")


def _row(connection, jira_id, name):
    return {
        "workspace_id": connection.workspace_id,
        "connection_id": connection.pk,
        "jira_id": jira_id,
        "name": name,
        "state": "active",
        "goal": "",
        # COPY on PostgreSQL writes what it is given: no auto_now, no defaults.
        "synced_at": timezone.now(),
    }


def test_upsert_returns_the_keys_of_inserted_and_updated_rows(connection):
    kept = Sprint.objects.create(
        workspace=connection.workspace, connection=connection, jira_id=1, name="old"
    )
    pks = upsert_rows(
        Sprint,
        [_row(connection, 1, "renamed"), _row(connection, 2, "new")],
        unique=["connection_id", "jira_id"],
        return_pks=True,
    )
    new = Sprint.objects.get(jira_id=2)
    assert pks == {(connection.pk, 1): kept.pk, (connection.pk, 2): new.pk}
    assert Sprint.objects.get(pk=kept.pk).name == "renamed"
    assert new.name == "new"


def test_upsert_without_return_pks_returns_nothing(connection):
    assert (
        upsert_rows(Sprint, [_row(connection, 1, "a")], unique=["connection_id", "jira_id"]) is None
    )
    assert upsert_rows(Sprint, [], unique=["connection_id", "jira_id"], return_pks=True) == {}


def test_delete_rows_deletes_only_the_rows_named(connection):
    insert_rows(Sprint, [_row(connection, n, f"s{n}") for n in (1, 2, 3)])
    delete_rows(Sprint, "jira_id", [1, 3, 99])
    delete_rows(Sprint, "jira_id", [])
    assert list(Sprint.objects.values_list("jira_id", flat=True)) == [2]


def test_upsert_tells_the_rows_it_inserted_where_the_database_can(connection):
    from django.db import connection as db

    kept = Sprint.objects.create(
        workspace=connection.workspace, connection=connection, jira_id=1, name="old"
    )
    inserted: set[int] = set()
    pks = upsert_rows(
        Sprint,
        [_row(connection, 1, "renamed"), _row(connection, 2, "new")],
        unique=["connection_id", "jira_id"],
        return_pks=True,
        inserted=inserted,
    )
    # PostgreSQL tells inserted rows from updated ones; elsewhere none is said to be new,
    # so a caller replaces the children of every row, as it always could.
    expected = {pks[(connection.pk, 2)]} if db.vendor == "postgresql" else set()
    assert inserted == expected
    assert kept.pk not in inserted
