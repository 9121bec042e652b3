"""Upgrading an installation keeps its reports until the next sync recomputes the facts."""

import pytest
from django.db import connection as db
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("integrations", "0007_issue_completed_by")]
AFTER = [("integrations", "0008_delivery_facts")]


def _state_at(targets):
    executor = MigrationExecutor(db)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_0008_counts_done_issues_as_delivered_and_makes_the_next_sync_full(acme):
    old = _state_at(BEFORE)
    Connection = old.get_model("integrations", "JiraConnection")
    Issue = old.get_model("integrations", "Issue")
    connection = Connection.objects.create(
        workspace_id=acme.pk, subdomain="acme", story_points_field="customfield_10016"
    )
    now = timezone.now()
    common = {"workspace_id": acme.pk, "connection": connection, "created_at": now}
    Issue.objects.create(jira_id=1, key="ENG-1", updated_at=now, done_at=now, **common)
    Issue.objects.create(jira_id=2, key="ENG-2", updated_at=now, **common)
    try:
        new = _state_at(AFTER)
        Issue = new.get_model("integrations", "Issue")
        Connection = new.get_model("integrations", "JiraConnection")
        assert dict(Issue.objects.values_list("key", "delivered")) == {
            "ENG-1": True,
            "ENG-2": False,
        }
        upgraded = Connection.objects.get()
        assert upgraded.story_points_field == ""  # automatic: every estimation field
        assert upgraded.facts_version == 0  # the next sync is a full one
    finally:
        _state_at(MigrationExecutor(db).loader.graph.leaf_nodes())
