"""Connect with Atlassian: the authorize redirect, the callback, the site picker, Reconnect."""

import time

import pytest
import requests
from django.contrib.sessions.models import Session
from django.urls import reverse

from integrations.models import AtlassianGrant, JiraConnection
from integrations.oauth import flow
from pensero.encryption import Secret
from pensero.models import Membership
from tests.integrations.conftest import CANARY_TOKEN
from tests.integrations.oauth_helpers import (
    ACCESS_TOKEN,
    CALLBACK_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    CLOUD_ACME,
    CLOUD_GLOBEX,
    GRANTER,
    ME_URL,
    NEW_ACCESS_TOKEN,
    NEW_REFRESH_TOKEN,
    REFRESH_TOKEN,
    RESOURCES_URL,
    SCOPE,
    TOKEN_URL,
    callback,
    configure,
    connect,
    messages_of,
    mock_grant,
    oauth_connection,
    raw_grant_tokens,
    site,
    start,
    token_body,
    token_requests,
)

pytestmark = pytest.mark.django_db
INTEGRATIONS = reverse("integrations")
PICK = reverse("jira_oauth_pick")


@pytest.fixture(autouse=True)
def atlassian_app(settings):
    configure(settings)


# -- the Connect option ------------------------------------------------------------------


def test_the_option_is_disabled_until_the_app_is_configured(alice_client, settings):
    settings.ATLASSIAN_CLIENT_SECRET = ""
    page = alice_client.get(INTEGRATIONS).content.decode()
    assert 'aria-disabled="true">Connect with Atlassian' in page
    assert "ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET" in page
    assert reverse("jira_oauth_start") not in page
    response = alice_client.get(reverse("jira_oauth_start"))
    assert response.status_code == 302 and response["Location"] == INTEGRATIONS
    assert "ATLASSIAN_CLIENT_ID" in messages_of(response)[0]


def test_the_option_links_to_the_flow_when_configured(alice_client):
    page = alice_client.get(INTEGRATIONS).content.decode()
    assert f'href="{reverse("jira_oauth_start")}">Connect with Atlassian' in page
    assert CLIENT_SECRET not in page


def test_it_redirects_to_atlassian_with_the_authorization_request(alice_client, acme):
    params = start(alice_client)
    assert params["audience"] == "api.atlassian.com"
    assert params["client_id"] == CLIENT_ID
    assert params["scope"].split() == [
        "read:jira-work",
        "read:jira-user",
        "manage:jira-webhook",
        "read:me",
        "offline_access",
    ]
    assert params["redirect_uri"] == CALLBACK_URL
    assert params["response_type"] == "code"
    assert params["prompt"] == "consent"
    assert len(params["state"]) >= 40
    saved = alice_client.session[flow.STATE_KEY]
    assert saved["state"] == params["state"] and saved["workspace_id"] == acme.pk
    assert CLIENT_SECRET not in str(params)


def test_each_start_makes_a_new_state(alice_client):
    assert start(alice_client)["state"] != start(alice_client)["state"]


# -- one site: the whole flow ------------------------------------------------------------


def test_the_whole_flow_connects_the_site(
    alice_client, acme, jira_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = connect(alice_client, jira_api)
    connection = JiraConnection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jira_manage", args=[connection.pk])
    assert "Connected acme.atlassian.net with Atlassian" in messages_of(response)[0]
    assert len(callbacks) == 1  # the first sync, queued after the commit

    assert connection.workspace == acme
    assert connection.auth_type == JiraConnection.AuthType.OAUTH
    assert (connection.subdomain, connection.cloud_id) == ("acme", CLOUD_ACME)
    assert connection.status == JiraConnection.Status.ACTIVE
    grant = connection.grant
    assert grant.workspace == acme
    assert grant.access_token.reveal() == ACCESS_TOKEN
    assert grant.refresh_token.reveal() == REFRESH_TOKEN
    assert 3500 < (grant.expires_at - grant.granted_at).total_seconds() <= 3601
    assert grant.scope_list == SCOPE.split()
    assert grant.granted_by == GRANTER
    assert connection.api_token is None and connection.email == ""

    (exchange,) = token_requests(jira_api)
    assert exchange == {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code": "the-code",
        "redirect_uri": CALLBACK_URL,
    }
    resources = next(c for c in jira_api.calls if c.request.url == RESOURCES_URL)
    assert resources.request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def test_the_database_holds_only_ciphertext(alice_client, acme, jira_api):
    connect(alice_client, jira_api)
    raw = raw_grant_tokens()
    assert len(raw) == 2
    for value in raw:
        assert value.startswith("gAAAAA")  # Fernet
        assert ACCESS_TOKEN not in value and REFRESH_TOKEN not in value


def test_the_manage_page_shows_the_grant_but_never_a_token(alice_client, acme, jira_api):
    response = connect(alice_client, jira_api)
    page = alice_client.get(response["Location"]).content.decode()
    assert "OAuth (Atlassian)" in page
    assert "acme.atlassian.net" in page
    assert GRANTER in page
    for scope in SCOPE.split():
        assert f"<code>{scope}</code>" in page
    assert 'name="api_token"' not in page and 'name="email"' not in page
    assert ACCESS_TOKEN not in page and REFRESH_TOKEN not in page


def test_a_granting_account_without_an_email_is_fine(alice_client, acme, jira_api):
    jira_api.post(TOKEN_URL, json=token_body())
    jira_api.get(RESOURCES_URL, json=[site(CLOUD_ACME, "acme")])
    jira_api.get(ME_URL, status=403, json={"code": 403})
    callback(alice_client, code="c", state=start(alice_client)["state"])
    assert JiraConnection.objects.get().grant.granted_by == ""


# -- several sites: the picker -----------------------------------------------------------

TWO_SITES = [
    site(CLOUD_ACME, "acme"),
    site(CLOUD_GLOBEX, "globex"),
    site("c0ffee00-0000-4000-8000-000000000000", "wiki", scopes=["read:confluence-content.all"]),
]


def test_several_sites_are_picked_on_a_page(alice_client, acme, jira_api):
    response = connect(alice_client, jira_api, TWO_SITES)
    assert response["Location"] == PICK
    assert JiraConnection.objects.count() == 0
    page = alice_client.get(PICK).content.decode()
    assert "Acme (acme.atlassian.net)" in page and "Globex (globex.atlassian.net)" in page
    assert "wiki" not in page  # a Confluence-only resource is not a Jira site
    assert f'value="{CLOUD_ACME}"' in page
    assert ACCESS_TOKEN not in page and REFRESH_TOKEN not in page

    response = alice_client.post(PICK, {"sites": [CLOUD_ACME, CLOUD_GLOBEX]})
    assert response["Location"] == INTEGRATIONS
    connections = list(JiraConnection.objects.order_by("subdomain"))
    assert [(c.subdomain, c.cloud_id) for c in connections] == [
        ("acme", CLOUD_ACME),
        ("globex", CLOUD_GLOBEX),
    ]
    # One consent, one rotating refresh token: the connections share the grant.
    assert connections[0].grant_id == connections[1].grant_id
    assert AtlassianGrant.objects.get().refresh_token.reveal() == REFRESH_TOKEN
    assert flow.PENDING_KEY not in alice_client.session


def test_the_parked_grant_is_encrypted_in_the_session(alice_client, acme, jira_api):
    connect(alice_client, jira_api, TWO_SITES)
    stored = Session.objects.get(session_key=alice_client.session.session_key)
    decoded = str(stored.get_decoded())
    assert flow.PENDING_KEY in decoded
    assert ACCESS_TOKEN not in decoded and REFRESH_TOKEN not in decoded
    assert ACCESS_TOKEN not in stored.session_data and REFRESH_TOKEN not in stored.session_data


def test_picking_one_site_connects_only_that_one(alice_client, acme, jira_api):
    connect(alice_client, jira_api, TWO_SITES)
    response = alice_client.post(PICK, {"sites": [CLOUD_GLOBEX]})
    connection = JiraConnection.objects.get()
    assert connection.subdomain == "globex"
    assert response["Location"] == reverse("jira_manage", args=[connection.pk])


def test_picking_nothing_asks_again(alice_client, acme, jira_api):
    connect(alice_client, jira_api, TWO_SITES)
    response = alice_client.post(PICK, {})
    assert response.status_code == 200
    assert "Pick at least one site" in response.content.decode()
    assert JiraConnection.objects.count() == 0


def test_a_site_id_that_was_not_granted_is_refused(alice_client, acme, jira_api):
    connect(alice_client, jira_api, TWO_SITES)
    response = alice_client.post(PICK, {"sites": ["00000000-0000-0000-0000-000000000000"]})
    assert response.status_code == 200
    assert JiraConnection.objects.count() == 0


def test_cancel_forgets_the_grant(alice_client, acme, jira_api):
    connect(alice_client, jira_api, TWO_SITES)
    response = alice_client.post(PICK, {"cancel": "1"})
    assert response["Location"] == INTEGRATIONS
    assert flow.PENDING_KEY not in alice_client.session
    assert alice_client.get(PICK)["Location"] == INTEGRATIONS
    assert JiraConnection.objects.count() == 0


def test_the_pick_page_without_a_grant_sends_back(alice_client, acme):
    response = alice_client.get(PICK)
    assert response["Location"] == INTEGRATIONS
    assert "Connect with Atlassian again" in messages_of(response)[0]


def test_a_parked_grant_expires(alice_client, acme, jira_api, monkeypatch):
    connect(alice_client, jira_api, TWO_SITES)
    later = time.time() + flow.PENDING_TTL_SECONDS + 1
    monkeypatch.setattr(flow.time, "time", lambda: later)
    assert alice_client.post(PICK, {"sites": [CLOUD_ACME]})["Location"] == INTEGRATIONS
    assert JiraConnection.objects.count() == 0


def test_an_already_connected_site_is_shown_and_skipped(
    alice_client, acme, jira_api, acme_connection
):
    connect(alice_client, jira_api, TWO_SITES)
    page = alice_client.get(PICK).content.decode()
    assert "Already connected to this workspace: acme.atlassian.net" in page
    assert f'value="{CLOUD_ACME}"' not in page
    alice_client.post(PICK, {"sites": [CLOUD_GLOBEX]})
    assert JiraConnection.objects.count() == 2
    acme_connection.refresh_from_db()
    assert acme_connection.auth_type == JiraConnection.AuthType.API_TOKEN
    assert acme_connection.api_token.reveal() == CANARY_TOKEN


# -- bad input and faults: each ends on Integrations, nothing saved ----------------------


def _assert_failed(response, text):
    assert response.status_code == 302
    assert response["Location"] == INTEGRATIONS
    shown = " ".join(messages_of(response))
    assert text in shown, shown
    assert ACCESS_TOKEN not in shown and "the-code" not in shown
    assert JiraConnection.objects.count() == 0


def test_a_forged_state_is_refused(alice_client, acme, jira_api):
    mock_grant(jira_api)
    start(alice_client)
    _assert_failed(callback(alice_client, code="c", state="forged"), "can't be used")
    assert token_requests(jira_api) == []


def test_a_missing_state_is_refused(alice_client, acme, jira_api):
    mock_grant(jira_api)
    start(alice_client)
    _assert_failed(callback(alice_client, code="c"), "can't be used")


def test_a_callback_without_a_flow_is_refused(alice_client, acme, jira_api):
    mock_grant(jira_api)
    _assert_failed(callback(alice_client, code="c", state="x" * 43), "can't be used")


def test_a_state_is_single_use(alice_client, acme, jira_api):
    mock_grant(jira_api, [])
    state = start(alice_client)["state"]
    callback(alice_client, code="c", state=state)
    _assert_failed(callback(alice_client, code="c", state=state), "can't be used")
    assert len(token_requests(jira_api)) == 1


def test_an_expired_state_is_refused(alice_client, acme, jira_api, monkeypatch):
    mock_grant(jira_api)
    state = start(alice_client)["state"]
    later = time.time() + flow.STATE_TTL_SECONDS + 1
    monkeypatch.setattr(flow.time, "time", lambda: later)
    _assert_failed(callback(alice_client, code="c", state=state), "expired")


def test_a_state_from_another_workspace_is_refused(alice, alice_client, acme, globex, jira_api):
    Membership.objects.create(user=alice, workspace=globex, role=Membership.Role.ADMIN)
    mock_grant(jira_api)
    state = start(alice_client)["state"]  # in Acme
    session = alice_client.session
    session["workspace_id"] = globex.pk  # switched to Globex in another tab
    session.save()
    _assert_failed(callback(alice_client, code="c", state=state), "can't be used")


def test_a_declined_consent_says_so(alice_client, acme, jira_api):
    mock_grant(jira_api)
    state = start(alice_client)["state"]
    _assert_failed(
        callback(alice_client, error="access_denied", state=state), "You declined access"
    )
    assert token_requests(jira_api) == []


def test_another_atlassian_error_is_named_safely(alice_client, acme, jira_api):
    state = start(alice_client)["state"]
    response = callback(alice_client, error="<script>x</script>", state=state)
    _assert_failed(response, "Atlassian returned an error (unknown)")
    state = start(alice_client)["state"]
    _assert_failed(callback(alice_client, error="server_error", state=state), "(server_error)")


def test_a_missing_code_is_refused(alice_client, acme, jira_api):
    state = start(alice_client)["state"]
    _assert_failed(callback(alice_client, state=state), "no authorization code")


@pytest.mark.parametrize(
    ("mock_token", "text"),
    [
        ({"status": 500, "json": {"error": "server_error"}}, "failed (HTTP 500)"),
        ({"status": 503, "body": "<html>down</html>"}, "failed (HTTP 503)"),
        ({"body": requests.exceptions.ConnectTimeout()}, "didn't answer"),
        ({"body": requests.exceptions.ConnectionError()}, "didn't answer"),
        ({"status": 200, "body": "{not json"}, "failed (HTTP 200)"),
        ({"status": 200, "json": {"token_type": "Bearer"}}, "without a token"),
        ({"status": 200, "json": ["a", "list"]}, "without a token"),
        ({"status": 403, "json": {"error": "invalid_grant"}}, "no longer accepts"),
        ({"status": 401, "json": {"error": "invalid_client"}}, "ATLASSIAN_CLIENT_SECRET"),
        ({"status": 302, "headers": {"Location": "https://evil.test/"}}, "refused"),
    ],
)
def test_a_failing_token_endpoint_saves_nothing(alice_client, acme, jira_api, mock_token, text):
    jira_api.post(TOKEN_URL, **mock_token)
    state = start(alice_client)["state"]
    _assert_failed(callback(alice_client, code="the-code", state=state), text)


def test_a_grant_without_a_refresh_token_saves_nothing(alice_client, acme, jira_api):
    mock_grant(jira_api, token=token_body(refresh=None, scope="read:jira-work read:jira-user"))
    state = start(alice_client)["state"]
    _assert_failed(callback(alice_client, code="c", state=state), "offline_access")


@pytest.mark.parametrize(
    "resources",
    [
        [],
        [site("c0ffee00-0000-4000-8000-000000000000", "wiki", scopes=["read:confluence-space"])],
        [site("../../evil", "acme")],
        [{**site(CLOUD_ACME, "acme"), "url": "https://evil.test"}],
    ],
)
def test_a_grant_without_a_jira_site_saves_nothing(alice_client, acme, jira_api, resources):
    mock_grant(jira_api, resources)
    state = start(alice_client)["state"]
    _assert_failed(
        callback(alice_client, code="c", state=state), "can't access any Jira Cloud site"
    )


def test_a_failing_site_list_saves_nothing(alice_client, acme, jira_api):
    jira_api.post(TOKEN_URL, json=token_body())
    jira_api.get(RESOURCES_URL, status=500, json={})
    state = start(alice_client)["state"]
    _assert_failed(callback(alice_client, code="c", state=state), "failed (HTTP 500)")


def test_an_already_connected_site_is_skipped_with_a_message(
    alice_client, acme, jira_api, acme_connection
):
    response = connect(alice_client, jira_api)
    assert response["Location"] == INTEGRATIONS
    assert "already connected to this workspace" in messages_of(response)[0]
    acme_connection.refresh_from_db()
    assert acme_connection.auth_type == JiraConnection.AuthType.API_TOKEN
    assert acme_connection.api_token.reveal() == CANARY_TOKEN
    assert JiraConnection.objects.count() == 1


def test_a_disconnected_site_is_reconnected_in_place(alice_client, acme, jira_api, acme_connection):
    alice_client.post(reverse("jira_disconnect", args=[acme_connection.pk]), {})
    response = connect(alice_client, jira_api)
    connection = JiraConnection.objects.get()
    assert connection.pk == acme_connection.pk
    assert response["Location"] == reverse("jira_manage", args=[connection.pk])
    assert connection.status == JiraConnection.Status.ACTIVE
    assert connection.auth_type == JiraConnection.AuthType.OAUTH
    assert connection.cloud_id == CLOUD_ACME
    assert connection.api_token is None and connection.api_token_hint == ""
    assert connection.project_keys == "ENG,KAN"  # the settings it had are kept


# -- who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["jira_oauth_start", "jira_oauth_callback", "jira_oauth_pick"])
def test_members_may_not_connect(bob_client, name):
    assert bob_client.get(reverse(name)).status_code == 403


def test_members_may_not_reconnect(bob_client, acme):
    connection = oauth_connection(acme)
    assert bob_client.get(reverse("jira_oauth_reconnect", args=[connection.pk])).status_code == 403


def test_another_workspace_cannot_reconnect_a_connection(charlie_client, acme):
    connection = oauth_connection(acme)
    response = charlie_client.get(reverse("jira_oauth_reconnect", args=[connection.pk]))
    assert response.status_code == 404


def test_an_api_token_connection_has_no_reconnect(alice_client, acme_connection):
    response = alice_client.get(reverse("jira_oauth_reconnect", args=[acme_connection.pk]))
    assert response.status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(reverse("jira_oauth_callback"), {"code": "c", "state": "s"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# -- reconnect ----------------------------------------------------------------------------


def test_a_connection_needing_attention_offers_reconnect(alice_client, acme):
    connection = oauth_connection(acme, status=JiraConnection.Status.NEEDS_ATTENTION)
    page = alice_client.get(reverse("jira_manage", args=[connection.pk])).content.decode()
    assert reverse("jira_oauth_reconnect", args=[connection.pk]) in page
    assert ">Reconnect</a>" in page


def test_reconnect_renews_the_same_connection(
    alice_client, acme, jira_api, django_capture_on_commit_callbacks
):
    connection = oauth_connection(
        acme,
        status=JiraConnection.Status.NEEDS_ATTENTION,
        last_error="revoked",
        project_keys="ENG",
    )
    mock_grant(jira_api, token=token_body(NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN))
    state = start(alice_client, "jira_oauth_reconnect", connection.pk)["state"]
    with django_capture_on_commit_callbacks() as callbacks:
        response = callback(alice_client, code="c", state=state)
    assert response["Location"] == reverse("jira_manage", args=[connection.pk])
    assert "Reconnected acme.atlassian.net" in messages_of(response)[0]
    assert len(callbacks) == 1
    renewed = JiraConnection.objects.get()
    assert renewed.pk == connection.pk
    assert renewed.status == JiraConnection.Status.ACTIVE and renewed.last_error == ""
    assert renewed.grant.access_token.reveal() == NEW_ACCESS_TOKEN
    assert renewed.grant.refresh_token.reveal() == NEW_REFRESH_TOKEN
    assert renewed.grant_id != connection.grant_id
    assert renewed.project_keys == "ENG"
    assert AtlassianGrant.objects.get() == renewed.grant  # the revoked one is gone


def test_reconnect_repairs_the_siblings_of_a_broken_grant(alice_client, acme, jira_api):
    broken = {"status": JiraConnection.Status.NEEDS_ATTENTION}
    acme_oauth = oauth_connection(acme, **broken)
    shared = acme_oauth.grant
    globex_oauth = oauth_connection(
        acme, subdomain="globex", cloud_id=CLOUD_GLOBEX, grant=shared, **broken
    )
    mock_grant(
        jira_api,
        [site(CLOUD_ACME, "acme"), site(CLOUD_GLOBEX, "globex")],
        token=token_body(NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN),
    )
    state = start(alice_client, "jira_oauth_reconnect", acme_oauth.pk)["state"]
    callback(alice_client, code="c", state=state)
    for connection in (acme_oauth, globex_oauth):
        connection.refresh_from_db()
        assert connection.status == JiraConnection.Status.ACTIVE
        assert connection.grant.refresh_token.reveal() == NEW_REFRESH_TOKEN
    assert acme_oauth.grant_id == globex_oauth.grant_id != shared.pk


def test_reconnect_with_an_account_that_cannot_see_the_site_changes_nothing(
    alice_client, acme, jira_api
):
    connection = oauth_connection(acme, status=JiraConnection.Status.NEEDS_ATTENTION)
    mock_grant(jira_api, [site(CLOUD_GLOBEX, "globex")], token=token_body(NEW_ACCESS_TOKEN))
    state = start(alice_client, "jira_oauth_reconnect", connection.pk)["state"]
    response = callback(alice_client, code="c", state=state)
    assert response["Location"] == INTEGRATIONS
    assert "can't access acme.atlassian.net" in messages_of(response)[0]
    connection.refresh_from_db()
    assert connection.needs_attention
    assert connection.grant.access_token.reveal() == ACCESS_TOKEN
    assert JiraConnection.objects.count() == 1


def test_a_disconnected_oauth_connection_can_be_reconnected_from_its_page(
    alice_client, acme, jira_api
):
    connection = oauth_connection(acme)
    alice_client.post(reverse("jira_disconnect", args=[connection.pk]), {})
    page = alice_client.get(reverse("jira_manage", args=[connection.pk])).content.decode()
    assert reverse("jira_oauth_reconnect", args=[connection.pk]) in page
    mock_grant(jira_api, token=token_body(NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN))
    state = start(alice_client, "jira_oauth_reconnect", connection.pk)["state"]
    callback(alice_client, code="c", state=state)
    connection.refresh_from_db()
    assert connection.status == JiraConnection.Status.ACTIVE
    assert connection.grant.refresh_token.reveal() == NEW_REFRESH_TOKEN
    assert JiraConnection.objects.count() == 1


def test_reconnect_when_the_app_is_not_configured(alice_client, acme, settings):
    connection = oauth_connection(acme, status=JiraConnection.Status.NEEDS_ATTENTION)
    settings.ATLASSIAN_CLIENT_ID = ""
    page = alice_client.get(reverse("jira_manage", args=[connection.pk])).content.decode()
    assert "ATLASSIAN_CLIENT_ID" in page
    response = alice_client.get(reverse("jira_oauth_reconnect", args=[connection.pk]))
    assert response["Location"] == reverse("jira_manage", args=[connection.pk])


# -- after connecting ---------------------------------------------------------------------


def test_disconnecting_forgets_the_tokens(alice_client, acme):
    connection = oauth_connection(acme)
    alice_client.post(reverse("jira_disconnect", args=[connection.pk]), {})
    connection.refresh_from_db()
    assert connection.is_disconnected
    assert connection.grant.access_token is None and connection.grant.refresh_token is None
    assert raw_grant_tokens() == [None, None]
    page = alice_client.get(reverse("jira_manage", args=[connection.pk])).content.decode()
    assert GRANTER in page  # who granted access stays on the page


def test_disconnecting_one_site_of_a_consent_leaves_the_others_their_tokens(alice_client, acme):
    acme_oauth = oauth_connection(acme)
    globex_oauth = oauth_connection(
        acme, subdomain="globex", cloud_id=CLOUD_GLOBEX, grant=acme_oauth.grant
    )
    alice_client.post(reverse("jira_disconnect", args=[acme_oauth.pk]), {})
    acme_oauth.refresh_from_db()
    globex_oauth.refresh_from_db()
    assert acme_oauth.is_disconnected and acme_oauth.grant.refresh_token is None
    assert acme_oauth.grant.granted_by == GRANTER
    assert globex_oauth.can_sync
    assert globex_oauth.grant.refresh_token.reveal() == REFRESH_TOKEN


def test_deleting_a_site_with_its_data_deletes_its_grant(alice_client, acme):
    connection = oauth_connection(acme)
    alice_client.post(reverse("jira_disconnect", args=[connection.pk]), {"delete_data": "on"})
    assert not JiraConnection.objects.exists()
    assert raw_grant_tokens() == []


def test_deleting_a_workspace_deletes_its_grants(acme):
    oauth_connection(acme)
    acme.delete()
    assert raw_grant_tokens() == []


def test_the_manage_form_sets_projects_without_touching_the_tokens(alice_client, acme, jira_api):
    connection = oauth_connection(acme)
    base = f"https://api.atlassian.com/ex/jira/{CLOUD_ACME}/rest/api/3"
    jira_api.get(f"{base}/myself", json={"accountId": "a1", "timeZone": "Europe/Berlin"})
    jira_api.get(
        f"{base}/project/search",
        json={"values": [{"id": "1", "key": "ENG", "name": "Eng"}], "isLast": True},
    )
    page = alice_client.get(reverse("jira_manage", args=[connection.pk]))
    # A refresh elsewhere rotates the tokens while the admin fills in the form.
    AtlassianGrant.objects.filter(pk=connection.grant_id).update(
        access_token=Secret(NEW_ACCESS_TOKEN), refresh_token=Secret(NEW_REFRESH_TOKEN)
    )
    assert page.status_code == 200
    response = alice_client.post(reverse("jira_manage", args=[connection.pk]), {"projects": "eng"})
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.project_keys == "ENG"
    assert connection.jira_time_zone == "Europe/Berlin"
    assert connection.grant.refresh_token.reveal() == NEW_REFRESH_TOKEN
    myself = next(c for c in jira_api.calls if c.request.url.endswith("/myself"))
    assert myself.request.headers["Authorization"] == f"Bearer {NEW_ACCESS_TOKEN}"


def test_the_admin_never_writes_back_stale_tokens(client, acme):
    from pensero.models import User

    staff = User.objects.create_superuser(email="staff@pensero.test", password="x-staff-pw-1")
    client.force_login(staff)
    connection = oauth_connection(acme)
    url = reverse("admin:integrations_jiraconnection_change", args=[connection.pk])
    response = client.get(url)
    page = response.content.decode()
    assert ACCESS_TOKEN not in page and REFRESH_TOKEN not in page
    form = response.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update({"workspace": acme.pk, "project_keys": "ENG"})
    AtlassianGrant.objects.filter(pk=connection.grant_id).update(
        refresh_token=Secret(NEW_REFRESH_TOKEN)
    )
    assert client.post(url, data).status_code == 302
    connection.refresh_from_db()
    assert connection.project_keys == "ENG"
    assert connection.grant.refresh_token.reveal() == NEW_REFRESH_TOKEN
