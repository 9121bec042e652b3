"""OAuth access tokens: refreshed before expiry, rotated safely, one refresh at a time."""

import json
import logging
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
import responses
from django.db import connection as db_connection
from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone

from integrations.clients import client_for
from integrations.jira.errors import JiraAuthError, JiraUnavailableError
from integrations.jira.sites import InvalidCloudId
from integrations.models import AtlassianGrant, JiraConnection, SyncRun
from integrations.oauth import tokens
from integrations.oauth.tokens import (
    BUSY_MESSAGE,
    NO_GRANT_MESSAGE,
    OAUTH_REJECTED_MESSAGE,
    RECONNECT_MESSAGE,
    AccessTokenSource,
    fresh_access_token,
)
from integrations.sync.run import sync_connection
from tests.integrations.oauth_helpers import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    CLOUD_ACME,
    CLOUD_GLOBEX,
    NEW_ACCESS_TOKEN,
    NEW_REFRESH_TOKEN,
    REFRESH_TOKEN,
    TOKEN_URL,
    configure,
    oauth_connection,
    raw_grant_tokens,
    token_body,
    token_requests,
)

GATEWAY = f"https://api.atlassian.com/ex/jira/{CLOUD_ACME}/rest/api/3"
ALL_TOKENS = (ACCESS_TOKEN, REFRESH_TOKEN, NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN, CLIENT_SECRET)


@pytest.fixture(autouse=True)
def atlassian_app(settings):
    configure(settings)


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr("integrations.jira.session.time.sleep", lambda seconds: None)


def mock_myself(mock, **kwargs):
    mock.get(f"{GATEWAY}/myself", json={"accountId": "a1", "timeZone": "UTC"}, **kwargs)


def bearer_of(mock, url_end="/myself"):
    return [
        c.request.headers["Authorization"] for c in mock.calls if c.request.url.endswith(url_end)
    ]


def myself(connection, **options):
    with client_for(connection, **options) as client:
        return client.myself()


@pytest.mark.django_db
class TestRefresh:
    def test_a_fresh_token_is_used_as_it_is(self, acme, jira_api):
        connection = oauth_connection(acme, expires_in=3600)
        mock_myself(jira_api)
        myself(connection)
        assert bearer_of(jira_api) == [f"Bearer {ACCESS_TOKEN}"]
        assert token_requests(jira_api) == []

    def test_the_client_goes_through_the_gateway_with_the_cloud_id(self, acme):
        client = client_for(oauth_connection(acme))
        assert client.base_url == f"https://api.atlassian.com/ex/jira/{CLOUD_ACME}"
        assert client.auth_kind == "bearer"
        assert ACCESS_TOKEN not in repr(client) and ACCESS_TOKEN not in repr(client._session.auth)

    def test_an_expiring_token_is_refreshed_and_rotated_first(self, acme, jira_api, caplog):
        caplog.set_level(logging.DEBUG)
        connection = oauth_connection(acme, expires_in=4 * 60)  # under the 5-minute margin
        jira_api.post(TOKEN_URL, json=token_body(NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN))
        mock_myself(jira_api)
        myself(connection)
        assert token_requests(jira_api) == [
            {
                "grant_type": "refresh_token",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "refresh_token": REFRESH_TOKEN,
            }
        ]
        assert bearer_of(jira_api) == [f"Bearer {NEW_ACCESS_TOKEN}"]
        connection.refresh_from_db()
        assert connection.grant.access_token.reveal() == NEW_ACCESS_TOKEN
        assert connection.grant.refresh_token.reveal() == NEW_REFRESH_TOKEN
        left = connection.grant.expires_at - timezone.now()
        assert timedelta(minutes=59) < left <= timedelta(hours=1)
        raw = " ".join(raw_grant_tokens())
        assert not any(token in raw for token in ALL_TOKENS)
        assert not any(token in caplog.text for token in ALL_TOKENS)

    def test_connections_of_one_grant_are_refreshed_together(self, acme, jira_api):
        acme_oauth = oauth_connection(acme, expires_in=60)
        globex_oauth = oauth_connection(
            acme, subdomain="globex", cloud_id=CLOUD_GLOBEX, grant=acme_oauth.grant
        )
        jira_api.post(TOKEN_URL, json=token_body(NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN))
        assert fresh_access_token(acme_oauth)[0] == NEW_ACCESS_TOKEN
        # The sibling got the rotated token too: its old one is retired at Atlassian.
        assert fresh_access_token(globex_oauth)[0] == NEW_ACCESS_TOKEN
        globex_oauth.refresh_from_db()
        assert globex_oauth.grant.refresh_token.reveal() == NEW_REFRESH_TOKEN
        assert len(token_requests(jira_api)) == 1

    def test_invalid_grant_asks_for_a_reconnect_and_never_resends_the_token(
        self, acme, jira_api, caplog
    ):
        connection = oauth_connection(acme, expires_in=-60)
        jira_api.post(
            TOKEN_URL,
            status=403,
            json={"error": "invalid_grant", "error_description": f"Unknown {REFRESH_TOKEN}"},
        )
        with pytest.raises(JiraAuthError) as raised:
            myself(connection)
        assert raised.value.message == RECONNECT_MESSAGE
        assert not any(token in str(raised.value) for token in ALL_TOKENS)
        connection.refresh_from_db()
        assert connection.status == JiraConnection.Status.NEEDS_ATTENTION
        assert connection.last_error == RECONNECT_MESSAGE
        assert connection.grant.refresh_token is None and connection.grant.access_token is None
        with pytest.raises(JiraAuthError, match=NO_GRANT_MESSAGE):
            myself(connection)
        assert len(token_requests(jira_api)) == 1
        assert not any(token in caplog.text for token in ALL_TOKENS)

    def test_a_failing_token_service_is_a_transient_error(self, acme, jira_api):
        connection = oauth_connection(acme, expires_in=60)
        jira_api.post(TOKEN_URL, status=503, body="unavailable")
        with pytest.raises(JiraUnavailableError):
            myself(connection, max_attempts=2)
        assert len(token_requests(jira_api)) == 2  # retried like any transient error
        connection.refresh_from_db()
        assert connection.status == JiraConnection.Status.ACTIVE
        assert connection.grant.refresh_token.reveal() == REFRESH_TOKEN

    def test_a_refresh_that_returns_no_new_refresh_token_keeps_the_old_one(self, acme, jira_api):
        connection = oauth_connection(acme, expires_in=60)
        jira_api.post(TOKEN_URL, json=token_body(NEW_ACCESS_TOKEN, refresh=None))
        with pytest.raises(JiraUnavailableError):
            fresh_access_token(connection)
        connection.refresh_from_db()
        assert connection.grant.refresh_token.reveal() == REFRESH_TOKEN

    def test_a_disconnected_connection_has_no_token(self, acme, jira_api):
        connection = oauth_connection(
            acme, expires_in=-1, status=JiraConnection.Status.DISCONNECTED
        )
        with pytest.raises(JiraAuthError):
            fresh_access_token(connection)
        assert token_requests(jira_api) == []

    def test_a_long_sync_refreshes_when_its_token_runs_out(self, acme, jira_api, monkeypatch):
        connection = oauth_connection(acme, expires_in=30 * 60)
        jira_api.post(TOKEN_URL, json=token_body(NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN))
        source = AccessTokenSource(connection.pk)
        assert source() == ACCESS_TOKEN
        later = timezone.now() + timedelta(minutes=27)
        monkeypatch.setattr("integrations.oauth.tokens.timezone.now", lambda: later)
        assert source() == NEW_ACCESS_TOKEN
        assert ACCESS_TOKEN not in repr(source)

    @pytest.mark.parametrize("cloud_id", ["../../evil", "a/b", "x?y=1", "", "café"])
    def test_a_bad_cloud_id_never_becomes_a_url(self, acme, cloud_id):
        connection = oauth_connection(acme)
        JiraConnection.objects.filter(pk=connection.pk).update(cloud_id=cloud_id)
        connection.refresh_from_db()
        with pytest.raises(InvalidCloudId):
            client_for(connection)


@pytest.mark.django_db
class TestSync:
    def test_invalid_grant_during_a_sync_needs_attention(self, acme, jira_api):
        connection = oauth_connection(acme, expires_in=-60)
        jira_api.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
        run = sync_connection(connection)
        connection.refresh_from_db()
        assert run.status == SyncRun.Status.FAILED
        assert run.error == RECONNECT_MESSAGE
        assert connection.needs_attention
        assert connection.last_error == RECONNECT_MESSAGE

    def test_a_revoked_grant_401_needs_attention(self, acme, jira_api):
        connection = oauth_connection(acme)
        mock_myself(jira_api, status=401)
        run = sync_connection(connection)
        connection.refresh_from_db()
        assert run.status == SyncRun.Status.FAILED
        assert connection.needs_attention
        assert connection.last_error == run.error == OAUTH_REJECTED_MESSAGE

    def test_a_token_service_outage_fails_the_run_but_not_the_connection(self, acme, jira_api):
        connection = oauth_connection(acme, expires_in=-60)
        jira_api.post(TOKEN_URL, status=500, json={})
        run = sync_connection(connection)
        connection.refresh_from_db()
        assert run.status == SyncRun.Status.FAILED
        assert "Try again" in run.error
        assert connection.status == JiraConnection.Status.ACTIVE


# -- the rotation race: real transactions, real threads ------------------------------------


def _in_thread(target):
    """Run `target` on its own thread (its own database connection), return what it returned."""
    box = {}

    def run():
        try:
            box["value"] = target()
        except Exception as error:  # handed back to the test
            box["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_make_one_call_and_share_the_new_token(acme):
    connection = oauth_connection(acme, expires_in=60)
    sent = []

    def token_endpoint(request):
        sent.append(json.loads(request.body)["refresh_token"])
        time.sleep(0.5)  # hold the lock while the other refresher arrives
        return 200, {}, json.dumps(token_body(NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN))

    barrier = threading.Barrier(2)

    def refresh():
        barrier.wait(timeout=10)
        return fresh_access_token(connection.pk)[0]

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, TOKEN_URL, callback=token_endpoint)
        workers = [_in_thread(refresh) for _ in range(2)]
        for thread, _box in workers:
            thread.join(timeout=60)
    results = [box.get("value", box.get("error")) for _thread, box in workers]
    assert results == [NEW_ACCESS_TOKEN, NEW_ACCESS_TOKEN]
    assert sent == [REFRESH_TOKEN]  # one refresh; the old token was never sent twice
    connection.refresh_from_db()
    assert connection.grant.refresh_token.reveal() == NEW_REFRESH_TOKEN


@pytest.mark.django_db(transaction=True)
def test_the_rotated_refresh_token_is_committed_before_the_new_access_token_is_used(acme):
    connection = oauth_connection(acme, expires_in=60)
    seen = {}

    def jira_myself(request):
        # What another process would read from the database at this moment.
        thread, box = _in_thread(
            lambda: AtlassianGrant.objects.get(pk=connection.grant_id).refresh_token.reveal()
        )
        thread.join(timeout=30)
        seen["stored"] = box.get("value", box.get("error"))
        seen["auth"] = request.headers["Authorization"]
        return 200, {}, json.dumps({"accountId": "a1"})

    with responses.RequestsMock() as mock:
        mock.post(TOKEN_URL, json=token_body(NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN))
        mock.add_callback(responses.GET, f"{GATEWAY}/myself", callback=jira_myself)
        myself(connection)
    assert seen == {"stored": NEW_REFRESH_TOKEN, "auth": f"Bearer {NEW_ACCESS_TOKEN}"}


# -- SQLite: a refresh kept waiting for the database's write lock -------------------------


@pytest.fixture
def short_busy_timeout():
    """This test's database connections wait 0.2 s for SQLite's write lock, not a minute."""
    if db_connection.vendor != "sqlite":
        pytest.skip("PostgreSQL locks the grant's row and waits for it without a timeout")
    options = connections["default"].settings_dict["OPTIONS"]
    saved = options["timeout"]
    options["timeout"] = 0.2
    db_connection.close()  # reopened with the short timeout
    yield
    options["timeout"] = saved
    db_connection.close()


@contextmanager
def write_lock_held():
    """Another connection holds SQLite's write lock until the block ends or `release()`."""
    locked, done = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            AtlassianGrant.objects.update(updated_at=F("updated_at"))
            locked.set()
            done.wait(timeout=30)

    holder, box = _in_thread(hold)

    def release():
        done.set()
        holder.join(timeout=30)

    assert locked.wait(timeout=10)
    try:
        yield release
    finally:
        release()
    assert "error" not in box, box["error"]


@pytest.mark.django_db(transaction=True)
def test_a_refresh_kept_waiting_past_the_busy_timeout_is_a_transient_error(
    acme, jira_api, short_busy_timeout, monkeypatch
):
    connection = oauth_connection(acme, expires_in=60)
    attempts = []
    refresh_once = tokens._refresh_once
    monkeypatch.setattr(tokens, "_refresh_once", lambda *a: attempts.append(a) or refresh_once(*a))
    with write_lock_held(), pytest.raises(JiraUnavailableError) as raised:
        fresh_access_token(connection.pk)
    assert raised.value.message == BUSY_MESSAGE
    assert not raised.value.permanent
    # It waited once, for the busy timeout: the client's retries wait longer between tries.
    assert len(attempts) == 1
    assert token_requests(jira_api) == []  # nothing was sent
    connection.refresh_from_db()
    assert connection.status == JiraConnection.Status.ACTIVE
    assert connection.grant.refresh_token.reveal() == REFRESH_TOKEN


@pytest.mark.django_db(transaction=True)
def test_the_client_retries_a_refresh_kept_waiting_and_then_refreshes(
    acme, jira_api, short_busy_timeout, monkeypatch
):
    connection = oauth_connection(acme, expires_in=60)
    jira_api.post(TOKEN_URL, json=token_body(NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN))
    mock_myself(jira_api)
    waits = []
    real_sleep = time.sleep
    with write_lock_held() as release:

        def back_off(seconds):
            if threading.current_thread() is not threading.main_thread():
                return real_sleep(seconds)  # the transport's deadline watchdog
            waits.append(seconds)
            release()  # the other transaction commits while the client waits to retry

        monkeypatch.setattr("integrations.jira.session.time.sleep", back_off)
        myself(connection, max_attempts=2)
    assert len(waits) == 1
    assert bearer_of(jira_api) == [f"Bearer {NEW_ACCESS_TOKEN}"]
    assert len(token_requests(jira_api)) == 1
