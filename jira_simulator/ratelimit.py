"""Jira's per-second burst limit: per site, endpoint and method, with the answers Jira gives.

Jira's burst limits apply per tenant, endpoint and HTTP method
(https://developer.atlassian.com/cloud/jira/platform/rate-limiting): a token bucket per
site and endpoint here (the route's template, so every issue's `GET …/remotelink` shares
one, and its method), ``per_second`` tokens a second, at most one second's worth saved up
(Jira's "burst buffer"). A request without a token gets what Jira sends: 429 with
``Retry-After`` in whole seconds, ``RateLimit-Reason: jira-burst-based`` and the
``X-RateLimit-*`` headers; a request that gets a token while less than a fifth of its
bucket is left carries ``X-RateLimit-NearLimit: true``.

It also keeps the figures a benchmark needs, per site and per endpoint: requests let
through and refused, when the first and last went through, and retries that came back
before their ``Retry-After`` had passed (the same method, path, query and body as a
refused request).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass, field

NEAR_LIMIT_SHARE = 0.2


@dataclass
class Figures:
    accepted: int = 0
    throttled: int = 0
    early_retries: int = 0
    first_at: float | None = None
    last_at: float | None = None

    def let_through(self, now: float) -> None:
        self.accepted += 1
        self.first_at = self.first_at if self.first_at is not None else now
        self.last_at = now

    def as_json(self) -> dict:
        return {
            "accepted": self.accepted,
            "throttled": self.throttled,
            "early_retries": self.early_retries,
            "first_at": self.first_at,
            "last_at": self.last_at,
        }


@dataclass
class Bucket:
    """One endpoint's budget on one site, and its figures."""

    tokens: float
    refilled_at: float
    figures: Figures = field(default_factory=Figures)


@dataclass
class SiteBudget:
    figures: Figures = field(default_factory=Figures)
    endpoints: dict[str, Bucket] = field(default_factory=dict)
    # request fingerprint -> when Retry-After allows it again
    not_before: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            **self.figures.as_json(),
            "endpoints": {name: b.figures.as_json() for name, b in self.endpoints.items()},
        }


class RateLimiter:
    def __init__(self, per_second: float = 0.0, *, clock=time.monotonic):
        self.per_second = per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._sites: dict[str, SiteBudget] = {}

    @property
    def enabled(self) -> bool:
        return self.per_second > 0

    def configure(self, per_second: float) -> None:
        with self._lock:
            self.per_second = float(per_second)
            self._sites.clear()

    def check(
        self, subdomain: str, method: str, path: str, body: bytes, *, endpoint: str = ""
    ) -> tuple[bool, dict[str, str]]:
        """(allowed, headers): headers to add to the response, or those of the 429.

        `endpoint`: the route's template (the path when not given): what the budget is
        kept per, with the method.
        """
        if not self.enabled:
            return True, {}
        now = self._clock()
        fingerprint = hashlib.blake2b(
            f"{method} {path}".encode() + b"\0" + body, digest_size=16
        ).hexdigest()
        name = f"{method} {endpoint or path.split('?', 1)[0]}"
        with self._lock:
            site = self._sites.setdefault(subdomain, SiteBudget())
            bucket = site.endpoints.get(name)
            if bucket is None:
                bucket = site.endpoints[name] = Bucket(self.per_second, now)
            bucket.tokens = min(
                self.per_second, bucket.tokens + (now - bucket.refilled_at) * self.per_second
            )
            bucket.refilled_at = now
            allowed_at = site.not_before.pop(fingerprint, None)
            if allowed_at is not None and now < allowed_at:
                site.figures.early_retries += 1
                bucket.figures.early_retries += 1
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                site.figures.let_through(now)
                bucket.figures.let_through(now)
                if bucket.tokens < NEAR_LIMIT_SHARE * self.per_second:
                    return True, {"X-RateLimit-NearLimit": "true"}
                return True, {}
            site.figures.throttled += 1
            bucket.figures.throttled += 1
            retry_after = max(1, math.ceil((1 - bucket.tokens) / self.per_second))
            site.not_before[fingerprint] = now + retry_after
            reset = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(time.time() + retry_after))
            return False, {
                "Retry-After": str(retry_after),
                "RateLimit-Reason": "jira-burst-based",
                "X-RateLimit-Limit": f"{self.per_second:g}",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset,
            }

    def stats(self) -> dict:
        with self._lock:
            return {
                "per_second": self.per_second,
                "sites": {name: site.as_json() for name, site in self._sites.items()},
            }
