"""Shared pieces of the webhook tests: signed deliveries as Jira sends them."""

import hashlib
import hmac
import json
import time

import jwt


def payload(event="jira:issue_updated", issue_id="10001", key="KAN-1", timestamp=None):
    body = {
        "timestamp": timestamp or int(time.time() * 1000),
        "webhookEvent": event,
        "issue": {"id": str(issue_id), "key": key, "fields": {"summary": "Something"}},
    }
    return json.dumps(body).encode()


def hub_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def app_jwt(cloud_id, *, secret, issuer, expires_in=120, **claims):
    now = int(time.time())
    body = {"iss": issuer, "iat": now, "exp": now + expires_in, "context": {"cloudId": cloud_id}}
    body.update(claims)
    return jwt.encode(body, secret, algorithm="HS256")


def post_admin(client, url, body, *, secret=None, identifier="delivery-1", signature=None):
    headers = {"HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER": identifier}
    if signature is None and secret is not None:
        signature = hub_signature(secret, body)
    if signature is not None:
        headers["HTTP_X_HUB_SIGNATURE"] = signature
    return client.post(url, body, content_type="application/json", **headers)
