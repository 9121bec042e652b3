"""Upgrading an installation: data migrations keep what was stored, and reverse where they can."""

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.db import connection as db
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from pensero.encryption import Secret
from tests.integrations.oauth_helpers import CLOUD_ACME, CLOUD_GLOBEX, GRANTER, SCOPE

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


# -- the Atlassian grant gets its own table ----------------------------------------------------

BEFORE_GRANTS = [("integrations", "0013_sync_run_api_points")]
WITH_GRANTS = [("integrations", "0016_remove_connection_oauth_columns")]


def _raw(sql):
    with db.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _raw_connection_tokens():
    return {
        subdomain: (access, refresh)
        for subdomain, access, refresh in _raw(
            "SELECT subdomain, oauth_access_token, oauth_refresh_token "
            "FROM integrations_jiraconnection"
        )
    }


def test_each_consent_becomes_one_grant_holding_the_same_ciphertext(acme, settings):
    old = _state_at(BEFORE_GRANTS)
    Connection = old.get_model("integrations", "JiraConnection")
    granted_at = timezone.now() - timedelta(days=3)
    expires_at = timezone.now() + timedelta(minutes=40)
    # The connections of one consent were always written together: one ciphertext.
    tokens = {
        consent: (Secret(f"MIGRATE-access-{consent}"), Secret(f"MIGRATE-refresh-{consent}"))
        for consent in ("consent-1", "consent-2")
    }

    def oauth(subdomain, cloud_id, grant_id, **kwargs):
        return Connection.objects.create(
            workspace_id=acme.pk,
            subdomain=subdomain,
            cloud_id=cloud_id,
            auth_type="oauth",
            oauth_access_token=tokens[grant_id][0],
            oauth_refresh_token=tokens[grant_id][1],
            oauth_expires_at=expires_at,
            oauth_grant_id=grant_id,
            oauth_scopes=SCOPE,
            oauth_granted_by=GRANTER,
            oauth_granted_at=granted_at,
            **kwargs,
        )

    # One consent that connected two sites, another consent, a site disconnected since
    # (its tokens forgotten, who granted access kept) and an API-token connection.
    oauth("acme", CLOUD_ACME, "consent-1")
    oauth("globex", CLOUD_GLOBEX, "consent-1")
    oauth("initech", "c1d2", "consent-2")
    Connection.objects.create(
        workspace_id=acme.pk,
        subdomain="umbrella",
        cloud_id="e3f4",
        auth_type="oauth",
        status="disconnected",
        oauth_scopes=SCOPE,
        oauth_granted_by=GRANTER,
        oauth_granted_at=granted_at,
    )
    Connection.objects.create(workspace_id=acme.pk, subdomain="hooli", api_token=Secret("t"))
    stored = _raw_connection_tokens()
    # Moving ciphertext needs no key: the migration runs with one that can't decrypt it.
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    try:
        new = _state_at(WITH_GRANTS)
        Connection = new.get_model("integrations", "JiraConnection")
        grant_of = dict(Connection.objects.values_list("subdomain", "grant_id"))
        assert grant_of["acme"] == grant_of["globex"]
        assert len({grant_of["acme"], grant_of["initech"], grant_of["umbrella"]}) == 3
        assert grant_of["hooli"] is None
        moved = {
            pk: (access, refresh)
            for pk, access, refresh in _raw(
                "SELECT id, access_token, refresh_token FROM integrations_atlassiangrant"
            )
        }
        assert moved[grant_of["acme"]] == stored["acme"] == stored["globex"]
        assert moved[grant_of["initech"]] == stored["initech"]
        assert moved[grant_of["umbrella"]] == (None, None)
        Grant = new.get_model("integrations", "AtlassianGrant")
        for grant in Grant.objects.all():
            assert grant.workspace_id == acme.pk
            assert (grant.scopes, grant.granted_by) == (SCOPE, GRANTER)
            assert grant.granted_at == granted_at
        assert Grant.objects.get(pk=grant_of["acme"]).expires_at == expires_at

        # And back: the columns hold the same ciphertext, one consent's connections one id.
        old = _state_at(BEFORE_GRANTS)
        assert _raw_connection_tokens() == stored
        Connection = old.get_model("integrations", "JiraConnection")
        grant_ids = dict(Connection.objects.values_list("subdomain", "oauth_grant_id"))
        assert grant_ids["acme"] == grant_ids["globex"] != grant_ids["initech"]
        assert grant_ids["hooli"] == ""
        umbrella = Connection.objects.get(subdomain="umbrella")
        assert (umbrella.oauth_granted_by, umbrella.oauth_granted_at) == (GRANTER, granted_at)
    finally:
        _state_at(MigrationExecutor(db).loader.graph.leaf_nodes())


# -- the site URL each connection was made for ------------------------------------------------

BEFORE_SITE_URL = [("integrations", "0017_jira_boards")]
WITH_SITE_URL = [("integrations", "0018_sync_cancel_and_site_url")]


def _connections_after_0018(acme, *, demo_admin: bool) -> dict:
    from pensero.models import User

    if demo_admin:
        User.objects.create_user(email="admin@demo.test", password="x")
    old = _state_at(BEFORE_SITE_URL)
    Connection = old.get_model("integrations", "JiraConnection")
    Connection.objects.create(workspace_id=acme.pk, subdomain="acme")
    Connection.objects.create(
        workspace_id=acme.pk, subdomain="globex", auth_type="oauth", cloud_id=CLOUD_GLOBEX
    )
    try:
        new = _state_at(WITH_SITE_URL)
        Connection = new.get_model("integrations", "JiraConnection")
        return dict(Connection.objects.values_list("subdomain", "site_url"))
    finally:
        _state_at(MigrationExecutor(db).loader.graph.leaf_nodes())


def test_0018_leaves_site_urls_to_be_recorded_at_the_next_sync(acme):
    assert _connections_after_0018(acme, demo_admin=False) == {"acme": "", "globex": ""}


def test_0018_records_the_simulator_for_a_database_that_served_the_demo(acme):
    # DEMO=0 make run used to open the demo's database: its connections are the simulator's.
    assert _connections_after_0018(acme, demo_admin=True) == {
        "acme": "http://127.0.0.1:8765/s/acme",
        "globex": f"http://127.0.0.1:8765/ex/jira/{CLOUD_GLOBEX}",
    }
