"""Is a delivery really from Jira? An HMAC for admin webhooks, a JWT for dynamic ones.

https://developer.atlassian.com/cloud/jira/platform/webhooks/ (fact sheet section 8)
"""

import hashlib
import hmac
import warnings

import jwt
from django.conf import settings
from jwt.warnings import InsecureKeyLengthWarning

# The JWT key is the app's client secret, which Atlassian generates (64 characters); only
# the simulator's and the tests' made-up secrets are shorter than PyJWT would like.
warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)

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


def dynamic_delivery_cloud_id(authorization: str | None) -> str | None:
    """The site (cloud id) a dynamic webhook delivery is from, if its JWT checks out; else None.

    The JWT is signed HS256 with the app's client secret; its issuer must be the app's
    client id and it must not have expired. unverified: Atlassian documents the signature
    but not the claims; the site is read from `context.cloudId`, the shape the simulator
    sends. A delivery whose token lacks it is refused like a forged one.
    """
    client_id, secret = settings.ATLASSIAN_CLIENT_ID, settings.ATLASSIAN_CLIENT_SECRET
    scheme, _, token = (authorization or "").strip().partition(" ")
    if not client_id or not secret or scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        claims = jwt.decode(
            token.strip(),
            secret,
            algorithms=["HS256"],
            issuer=client_id,
            leeway=JWT_LEEWAY_SECONDS,
            options={"require": ["exp", "iss"]},
        )
    except jwt.InvalidTokenError:
        return None
    context = claims.get("context")
    cloud_id = context.get("cloudId") if isinstance(context, dict) else None
    return cloud_id if isinstance(cloud_id, str) and cloud_id else None
