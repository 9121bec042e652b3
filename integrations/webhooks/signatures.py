"""Is a delivery really from Jira? An HMAC for admin webhooks, a JWT for dynamic ones.

https://developer.atlassian.com/cloud/jira/platform/webhooks/ (fact sheet section 8)
"""

import hashlib
import hmac
import logging
import warnings
from datetime import timedelta

import jwt
from django.conf import settings
from django.utils import timezone
from jwt.warnings import InsecureKeyLengthWarning

# The JWT key is the app's client secret, which Atlassian generates (64 characters); only
# the simulator's and the tests' made-up secrets are shorter than PyJWT would like.
warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)

logger = logging.getLogger(__name__)

# After a secret rotation, deliveries signed with the previous secret are accepted this long.
SECRET_GRACE = timedelta(hours=1)
# Tolerated clock difference between Atlassian and this server when checking `exp`.
JWT_LEEWAY_SECONDS = 60


def hmac_signature_valid(*, secret: str, body: bytes, header: str | None) -> bool:
    """`X-Hub-Signature: sha256=<hex>` of the raw body with `secret`, compared in constant time."""
    if not secret or not header:
        return False
    scheme, _, digest = header.strip().partition("=")
    if scheme.lower() != "sha256" or not digest:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), digest.strip().lower().encode())


def admin_delivery_signed(webhook, *, body: bytes, header: str | None) -> bool:
    """Signed with the webhook's secret, or with the one before it for SECRET_GRACE after a
    rotation (Jira may have signed deliveries, or be retrying them, with the old one)."""
    if webhook.secret is not None and hmac_signature_valid(
        secret=webhook.secret.reveal(), body=body, header=header
    ):
        return True
    rotated_at = webhook.secret_set_at
    return (
        webhook.previous_secret is not None
        and rotated_at is not None
        and timezone.now() - rotated_at <= SECRET_GRACE
        and hmac_signature_valid(secret=webhook.previous_secret.reveal(), body=body, header=header)
    )


def _claim_names(token: str) -> list[str]:
    """The names of a token's claims, read without verifying it (for a log line)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return []
    return sorted(str(name)[:40] for name in claims)[:20] if isinstance(claims, dict) else []


def verify_app_jwt(authorization: str | None) -> dict | None:
    """The claims of a dynamic webhook delivery's JWT if it is signed with the app's client
    secret and has not expired; else None.

    Atlassian documents the signature, not the claims: `iss`, `aud` and the rest are not
    checked (a token carrying `aud` is as good as one without), and the caller routes by
    the payload's matchedWebhookIds, or by `context.cloudId` when the token has one. A
    refused token is logged with its claim names, never their values, so a shape that
    differs from what this code expects shows on the first delivery.
    """
    secret = settings.ATLASSIAN_CLIENT_SECRET
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if not secret or scheme.lower() != "bearer" or not token:
        return None
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            leeway=JWT_LEEWAY_SECONDS,
            options={"require": ["exp"], "verify_aud": False, "verify_iss": False},
        )
    except jwt.InvalidTokenError as error:
        logger.warning(
            "Dynamic webhook delivery refused (%s); its token's claims: %s",
            type(error).__name__,
            ", ".join(_claim_names(token)) or "none readable",
        )
        return None
    return claims if isinstance(claims, dict) else None


def cloud_id_of(claims: dict) -> str | None:
    """The site a verified token names in `context.cloudId`, if it names one."""
    context = claims.get("context")
    cloud_id = context.get("cloudId") if isinstance(context, dict) else None
    return cloud_id if isinstance(cloud_id, str) and cloud_id else None
