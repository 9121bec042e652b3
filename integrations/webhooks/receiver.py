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
from integrations.webhooks.signatures import admin_delivery_signed, cloud_id_of, verify_app_jwt

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


def _accept(connections: list[JiraConnection], delivery, limit_key: str):
    retry_after = _over_limit(limit_key)
    if retry_after is not None:
        return _bare(429, **{"Retry-After": str(retry_after)})
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
    header = request.headers.get("X-Hub-Signature")
    if webhook is None or not admin_delivery_signed(webhook, body=body, header=header):
        return _bare(401)
    try:
        delivery = parse_delivery(body, request.headers.get(IDENTIFIER_HEADER))
    except BadDelivery:
        return _bare(400)
    return _accept([webhook.connection], delivery, f"c{webhook.connection_id}")


def _dynamic_connections(delivery, claims: dict) -> list[JiraConnection]:
    """The connections a dynamic delivery is for: those whose registered webhooks it
    matched (its matchedWebhookIds); without such ids, every connection of the site the
    token names (also when the ids are no longer known). Several workspaces may connect one site, each with its own webhooks."""
    live = JiraConnection.objects.filter(auth_type=JiraConnection.AuthType.OAUTH).exclude(
        status=JiraConnection.Status.DISCONNECTED
    )
    if delivery.matched_webhook_ids:
        matched = set(delivery.matched_webhook_ids)
        connections = [
            webhook.connection
            for webhook in JiraWebhook.objects.filter(connection__in=live).select_related(
                "connection"
            )
            if matched & {str(i) for i in webhook.dynamic_webhook_ids or []}
        ]
        if connections:
            return connections
        # Ids registered before a re-registration: the site still says whose it is.
    cloud_id = cloud_id_of(claims)
    return list(live.filter(cloud_id=cloud_id)) if cloud_id else []


@csrf_exempt
@require_POST
def app_webhook_delivery(request):
    """A dynamic webhook's delivery (OAuth connections), signed with the app's client secret."""
    body = _capped_body(request)
    if body is None:
        return _bare(413)
    claims = verify_app_jwt(request.headers.get("Authorization"))
    if claims is None:
        return _bare(401)
    try:
        delivery = parse_delivery(body, request.headers.get(IDENTIFIER_HEADER))
    except BadDelivery:
        return _bare(400)
    connections = _dynamic_connections(delivery, claims)
    if not connections:
        return _bare(401)
    for connection in connections:
        webhook_for(connection)  # where processing is queued from
    site = connections[0].cloud_id
    return _accept(connections, delivery, f"site-{site}")
