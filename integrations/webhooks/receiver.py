"""The endpoints Jira posts webhook deliveries to: check, store, answer within milliseconds.

Each delivery is verified (an HMAC with the connection's secret for admin webhooks, the
JWT for the OAuth app's dynamic webhooks), capped in size and rate-limited per
connection; anything unverified gets a bare 401. A verified delivery is stored once
(retries carry the same X-Atlassian-Webhook-Identifier) and the work is left to a
background task. A 429 or 5xx is safe: Jira retries failed deliveries.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.models import JiraConnection, JiraWebhook
from integrations.webhooks.events import BadDelivery, parse_delivery, record_delivery
from integrations.webhooks.processing import note_deliveries
from integrations.webhooks.setup import webhook_for
from integrations.webhooks.signatures import dynamic_delivery_cloud_id, hmac_signature_valid

IDENTIFIER_HEADER = "X-Atlassian-Webhook-Identifier"
RATE_WINDOW_SECONDS = 60
# The receiver URL's token is a credential of sorts: request logs show this instead.
LOGGED_PATH = "/hooks/jira/…/"


def _clock() -> float:
    return time.time()


def _bare(status: int, **headers) -> HttpResponse:
    response = HttpResponse(status=status)
    # Django's own log line for a 4xx names the path, with the receiver's token in it;
    # the request log (pensero.middleware) has the line, with the token left out.
    response._has_been_logged = True
    for name, value in headers.items():
        response[name] = value
    return response


def _capped_body(request) -> bytes | None:
    """The raw body, or None when it is larger than JIRA_WEBHOOK_MAX_BODY_BYTES."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length > settings.JIRA_WEBHOOK_MAX_BODY_BYTES:
        return None
    return request.body


def _over_limit(key: str) -> int | None:
    """None while `key` is within JIRA_WEBHOOK_MAX_PER_MINUTE, else seconds until it is again."""
    now = _clock()
    window = int(now // RATE_WINDOW_SECONDS)
    cache_key = f"jira-webhooks:{key}:{window}"
    cache.add(cache_key, 0, timeout=RATE_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=RATE_WINDOW_SECONDS * 2)
        count = 1
    if count <= settings.JIRA_WEBHOOK_MAX_PER_MINUTE:
        return None
    return max(1, int((window + 1) * RATE_WINDOW_SECONDS - now))


def _accept(request, connections: list[JiraConnection], body: bytes, limit_key: str):
    retry_after = _over_limit(limit_key)
    if retry_after is not None:
        return _bare(429, **{"Retry-After": str(retry_after)})
    try:
        delivery = parse_delivery(body, request.headers.get(IDENTIFIER_HEADER))
    except BadDelivery:
        return _bare(400)
    new = record_delivery(connections, delivery)
    if new:
        note_deliveries(new)
    return _bare(202)


@csrf_exempt
@require_POST
def admin_webhook_delivery(request, token):
    """An admin webhook's delivery (API-token connections), signed with the connection's secret."""
    request.log_path = LOGGED_PATH
    body = _capped_body(request)
    if body is None:
        return _bare(413)
    webhook = (
        JiraWebhook.objects.select_related("connection")
        .filter(url_token=token, connection__auth_type=JiraConnection.AuthType.API_TOKEN)
        .exclude(connection__status=JiraConnection.Status.DISCONNECTED)
        .first()
    )
    if webhook is None or webhook.secret is None:
        return _bare(401)
    header = request.headers.get("X-Hub-Signature")
    if not hmac_signature_valid(secret=webhook.secret.reveal(), body=body, header=header):
        return _bare(401)
    return _accept(request, [webhook.connection], body, f"c{webhook.connection_id}")


@csrf_exempt
@require_POST
def app_webhook_delivery(request):
    """A dynamic webhook's delivery (OAuth connections): the JWT names the site.

    Every connection of that site (several workspaces may connect one site) gets the event.
    """
    body = _capped_body(request)
    if body is None:
        return _bare(413)
    cloud_id = dynamic_delivery_cloud_id(request.headers.get("Authorization"))
    if cloud_id is None:
        return _bare(401)
    connections = list(
        JiraConnection.objects.filter(
            auth_type=JiraConnection.AuthType.OAUTH, cloud_id=cloud_id
        ).exclude(status=JiraConnection.Status.DISCONNECTED)
    )
    if not connections:
        return _bare(401)
    for connection in connections:
        webhook_for(connection)  # where processing is queued from
    return _accept(request, connections, body, f"site-{cloud_id}")
