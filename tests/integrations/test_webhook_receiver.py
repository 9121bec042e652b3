"""The webhook receivers: signatures of both kinds, replays, size and rate limits, fast answers."""

import logging

import pytest
from django.urls import reverse
from django_q.models import OrmQ

from integrations.models import JiraConnection, WebhookEvent
from integrations.webhooks import receiver
from integrations.webhooks.setup import webhook_for
from tests.integrations import webhook_payloads as jira_payloads
from tests.integrations.oauth_helpers import CLIENT_ID, CLIENT_SECRET, CLOUD_ACME, configure
from tests.integrations.oauth_helpers import oauth_connection as make_oauth_connection
from tests.integrations.webhook_helpers import app_jwt, payload, post_admin

pytestmark = pytest.mark.django_db
APP_URL = reverse("jira_webhook_app_delivery")


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.PUBLIC_BASE_URL = "https://pensero.example.com"


@pytest.fixture
def webhook(acme_connection):
    return webhook_for(acme_connection)


@pytest.fixture
def url(webhook):
    return reverse("jira_webhook_delivery", args=[webhook.url_token])


@pytest.fixture
def secret(webhook):
    return webhook.secret.reveal()


@pytest.fixture
def queued(settings, monkeypatch):
    """Tasks go to the ORM queue instead of running: what was queued is what a worker gets."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)


def post_app(client, body, token, identifier="dyn-1"):
    return client.post(
        APP_URL,
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER=identifier,
    )


# -- admin webhooks: HMAC ----------------------------------------------------------------------


def test_a_signed_delivery_is_stored_and_processing_queued(
    client, url, secret, acme_connection, django_capture_on_commit_callbacks
):
    body = payload(issue_id="10042")
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_admin(client, url, body, secret=secret, identifier="abc-1")
    assert response.status_code == 202
    event = WebhookEvent.objects.get()
    assert (event.connection, event.identifier, event.event, event.issue_jira_ids) == (
        acme_connection,
        "abc-1",
        "jira:issue_updated",
        [10042],
    )
    assert event.processed_at is None
    assert len(callbacks) == 1  # one processing task, queued on commit


@pytest.mark.parametrize(
    "signature",
    [
        None,  # unsigned
        "sha256=" + "0" * 64,
        "sha1=deadbeef",
        "sha256=",
        "garbage",
    ],
)
def test_a_forged_delivery_gets_a_bare_401(client, url, signature):
    response = post_admin(client, url, payload(), signature=signature)
    assert response.status_code == 401
    assert response.content == b""
    assert not WebhookEvent.objects.exists()


def test_a_delivery_signed_with_another_secret_or_altered_is_refused(client, url, secret):
    body = payload(issue_id="10001")
    assert post_admin(client, url, body, secret="not-the-secret").status_code == 401
    signed_for_another_body = post_admin(
        client, url, payload(issue_id="10002"), signature=post_signature(secret, body)
    )
    assert signed_for_another_body.status_code == 401
    assert not WebhookEvent.objects.exists()


def post_signature(secret, body):
    from tests.integrations.webhook_helpers import hub_signature

    return hub_signature(secret, body)


def test_an_unknown_url_token_is_a_401_not_a_404(client, secret):
    unknown = reverse("jira_webhook_delivery", args=["x" * 43])
    response = post_admin(client, unknown, payload(), secret=secret)
    assert response.status_code == 401 and response.content == b""


def test_a_disconnected_connection_accepts_nothing(client, url, secret, acme_connection):
    JiraConnection.objects.filter(pk=acme_connection.pk).update(
        status=JiraConnection.Status.DISCONNECTED
    )
    assert post_admin(client, url, payload(), secret=secret).status_code == 401


def test_a_replayed_identifier_is_stored_once(
    client, url, secret, django_capture_on_commit_callbacks
):
    body = payload(issue_id="10001")
    with django_capture_on_commit_callbacks() as callbacks:
        first = post_admin(client, url, body, secret=secret, identifier="same-delivery")
        again = post_admin(client, url, body, secret=secret, identifier="same-delivery")
    assert first.status_code == again.status_code == 202  # Jira stops retrying on a 2xx
    assert WebhookEvent.objects.count() == 1
    assert len(callbacks) == 1


def test_without_an_identifier_the_body_stands_for_it(client, url, secret):
    body = payload(issue_id="10001", timestamp=1767225600000)
    for _ in range(2):
        response = client.post(
            url,
            body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE=post_signature(secret, body),
        )
        assert response.status_code == 202
    assert WebhookEvent.objects.count() == 1


def test_while_a_task_is_queued_more_deliveries_queue_no_other(
    client, url, secret, queued, django_capture_on_commit_callbacks
):
    for n in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            post_admin(
                client, url, payload(issue_id=str(10001 + n)), secret=secret, identifier=f"d{n}"
            )
    assert WebhookEvent.objects.count() == 5
    assert OrmQ.objects.count() == 1  # one task will take all five


def test_an_oversized_body_is_refused_before_anything_else(client, url, secret, settings):
    settings.JIRA_WEBHOOK_MAX_BODY_BYTES = 1000
    body = payload() + b" " * 2000
    assert post_admin(client, url, body, secret=secret).status_code == 413
    assert not WebhookEvent.objects.exists()


def test_a_signed_body_that_is_not_a_webhook_is_a_400(client, url, secret):
    for body in (b"not json", b"[1, 2]", b'{"issue": {"id": "1"}}'):
        assert post_admin(client, url, body, secret=secret).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_only_post_is_allowed(client, url):
    assert client.get(url).status_code == 405


def test_a_flood_is_rate_limited_and_nothing_jira_retries_is_lost(
    client, url, secret, settings, monkeypatch
):
    settings.JIRA_WEBHOOK_MAX_PER_MINUTE = 20
    now = [1_800_000_000.0]
    monkeypatch.setattr(receiver, "_clock", lambda: now[0])
    deliveries = [(f"flood-{n}", payload(issue_id=str(10001 + n))) for n in range(50)]
    refused = []
    for identifier, body in deliveries:
        response = post_admin(client, url, body, secret=secret, identifier=identifier)
        if response.status_code == 429:
            assert 1 <= int(response["Retry-After"]) <= 60
            refused.append((identifier, body))
        else:
            assert response.status_code == 202
    assert len(refused) == 30
    assert WebhookEvent.objects.count() == 20

    # Jira retries refused deliveries after Retry-After: the next minutes take them all.
    for _ in range(2):
        now[0] += 60
        retried, refused = refused, []
        for identifier, body in retried:
            response = post_admin(client, url, body, secret=secret, identifier=identifier)
            if response.status_code == 429:
                refused.append((identifier, body))
    assert refused == []
    assert set(WebhookEvent.objects.values_list("identifier", flat=True)) == {
        identifier for identifier, _ in deliveries
    }


def test_the_url_token_stays_out_of_the_request_log(client, url, secret, webhook, caplog):
    caplog.set_level(logging.INFO, logger="pensero.requests")
    post_admin(client, url, payload(), secret=secret)
    lines = [r.getMessage() for r in caplog.records if r.name == "pensero.requests"]
    assert lines and all(webhook.url_token not in line for line in lines)
    assert "path=/hooks/jira/…/" in lines[0]


# -- dynamic webhooks: JWT ---------------------------------------------------------------------


@pytest.fixture
def oauth_site(settings, acme, globex):
    """The same site connected over OAuth by two workspaces."""
    configure(settings)
    return [
        make_oauth_connection(acme),
        make_oauth_connection(globex),
    ]


def test_a_dynamic_delivery_with_a_valid_jwt_reaches_every_connection_of_the_site(
    client, oauth_site
):
    token = app_jwt(CLOUD_ACME, secret=CLIENT_SECRET, issuer=CLIENT_ID)
    response = post_app(client, payload(issue_id="10007"), token)
    assert response.status_code == 202
    rows = WebhookEvent.objects.values_list("connection_id", "issue_jira_ids")
    assert sorted(rows) == sorted((connection.pk, [10007]) for connection in oauth_site)


@pytest.mark.parametrize(
    "make_token",
    [
        lambda: app_jwt(CLOUD_ACME, secret="another-apps-secret", issuer=CLIENT_ID),
        lambda: app_jwt(CLOUD_ACME, secret=CLIENT_SECRET, issuer=CLIENT_ID, expires_in=-600),
        lambda: app_jwt(CLOUD_ACME, secret=CLIENT_SECRET, issuer=CLIENT_ID, context={}),
        lambda: app_jwt("some-other-cloud", secret=CLIENT_SECRET, issuer=CLIENT_ID),
        lambda: "not.a.jwt",
        lambda: "",
    ],
    ids=["wrong-secret", "expired", "no-site", "unknown-site", "garbage", "empty"],
)
def test_a_forged_or_stale_jwt_gets_a_bare_401(client, oauth_site, make_token):
    response = post_app(client, payload(), make_token())
    assert response.status_code == 401 and response.content == b""
    assert not WebhookEvent.objects.exists()


def test_an_unsigned_jwt_is_refused(client, oauth_site):
    import jwt

    token = jwt.encode(
        {"iss": CLIENT_ID, "exp": 4102444800, "context": {"cloudId": CLOUD_ACME}},
        key=None,
        algorithm="none",
    )
    assert post_app(client, payload(), token).status_code == 401


def test_an_admin_webhook_signature_doesnt_open_the_app_receiver(client, oauth_site):
    body = payload()
    response = client.post(
        APP_URL,
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE=post_signature(CLIENT_SECRET, body),
    )
    assert response.status_code == 401


def test_dynamic_deliveries_are_refused_while_the_app_isnt_configured(client, oauth_site, settings):
    token = app_jwt(CLOUD_ACME, secret=CLIENT_SECRET, issuer=CLIENT_ID)
    settings.ATLASSIAN_CLIENT_SECRET = ""
    assert post_app(client, payload(), token).status_code == 401


def test_a_token_with_claims_this_code_doesnt_expect_is_still_accepted(client, oauth_site):
    """Only the signature and expiry are documented: an `aud`, another `iss` don't matter."""
    token = app_jwt(CLOUD_ACME, secret=CLIENT_SECRET, issuer="https://auth.atlassian.com", aud="x")
    assert post_app(client, payload(issue_id="10003"), token).status_code == 202
    assert WebhookEvent.objects.count() == len(oauth_site)


def test_a_dynamic_delivery_goes_only_to_the_connection_whose_webhook_matched(client, oauth_site):
    mine, theirs = oauth_site
    for connection, registered in ((mine, [71]), (theirs, [72])):
        webhook = webhook_for(connection)
        webhook.dynamic_webhook_ids = registered
        webhook.save()
    token = app_jwt(CLOUD_ACME, secret=CLIENT_SECRET, issuer=CLIENT_ID)
    assert post_app(client, jira_payloads.dynamic(10005, [72]), token).status_code == 202
    assert list(WebhookEvent.objects.values_list("connection_id", flat=True)) == [theirs.pk]


def test_a_dynamic_delivery_matching_no_known_webhook_goes_by_its_site(client, oauth_site):
    for connection in oauth_site:
        webhook_for(connection)
    token = app_jwt(CLOUD_ACME, secret=CLIENT_SECRET, issuer=CLIENT_ID)
    assert post_app(client, jira_payloads.dynamic(10005, [999]), token).status_code == 202
    assert WebhookEvent.objects.count() == len(oauth_site)
    # Neither matched ids nor a site in the token: nobody to give it to.
    anonymous = app_jwt(CLOUD_ACME, secret=CLIENT_SECRET, issuer=CLIENT_ID, context={})
    response = post_app(client, jira_payloads.dynamic(10005, [999]), anonymous, identifier="d2")
    assert response.status_code == 401


def test_a_refused_token_is_logged_with_its_claim_names_never_their_values(
    client, oauth_site, caplog
):
    token = app_jwt(CLOUD_ACME, secret="another-apps-secret", issuer=CLIENT_ID, qsh="secret-q")
    with caplog.at_level(logging.WARNING, logger="integrations.webhooks.signatures"):
        assert post_app(client, payload(), token).status_code == 401
    (line,) = [r.getMessage() for r in caplog.records if r.name.endswith("signatures")]
    assert "context, exp, iat, iss, qsh" in line
    assert CLOUD_ACME not in line and "secret-q" not in line and CLIENT_ID not in line


@pytest.mark.parametrize("body", [b"", b" "])
def test_an_admin_webhook_set_to_exclude_the_body_is_accepted(client, url, secret, body):
    response = post_admin(client, url, body, secret=secret, identifier="empty-1")
    assert response.status_code == 202
    assert WebhookEvent.objects.get().event == "no_body"


def test_an_unsigned_empty_body_is_still_a_401(client, url):
    assert post_admin(client, url, b"", signature=None).status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_deeply_nested_signed_body_is_a_400_not_an_error(client, url, secret, webhook, caplog):
    body = jira_payloads.nested(200_000)
    with caplog.at_level(logging.INFO):
        response = post_admin(client, url, body, secret=secret)
    assert response.status_code == 400
    assert all(webhook.url_token not in record.getMessage() for record in caplog.records)


def test_no_log_line_shows_a_receiver_token():
    from pensero.log_filters import HideWebhookTokens

    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "Internal Server Error: %s",
        ("/hooks/jira/abcDEF_123-x/",),
        None,
    )
    assert HideWebhookTokens().filter(record)
    assert record.getMessage() == "Internal Server Error: /hooks/jira/…/"
